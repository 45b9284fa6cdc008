package dev.graft.loader;

/** Finding bytes in a file's contents, for tests that damage or patch a file at a known place. */
public final class Bytes {

    private Bytes() {
    }

    /** Where {@code pattern} first occurs in {@code data}, or -1. */
    public static int indexOf(byte[] data, byte[] pattern) {
        outer:
        for (int i = 0; i + pattern.length <= data.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (data[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** Where {@code pattern} first occurs in {@code data}; fails the test when it does not. */
    public static int find(byte[] data, byte[] pattern) {
        int at = indexOf(data, pattern);
        if (at < 0) {
            throw new AssertionError("pattern not found");
        }
        return at;
    }
}
