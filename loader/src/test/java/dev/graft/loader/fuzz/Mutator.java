package dev.graft.loader.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Damages a file's bytes the ways real damage and hostile files look: bit flips, overwritten runs,
 * truncation, inserted and deleted bytes, appended junk, and crafted header fields (a number in a JSON
 * header replaced by a boundary value, or a boundary integer written over a binary header field).
 */
public final class Mutator {

    /** What was done: a description, and the positions of the bytes changed when the file kept its length (else null). */
    public record Mutation(byte[] bytes, String what, int[] changedInPlace) {
    }

    private static final String[] NUMBERS = {"0", "1", "-1", "7", "4294967296", "9223372036854775807", "1e308", "0.5"};
    private static final long[] BOUNDARIES = {0, 1, -1, 0x7F, 0xFF, 0x7FFF, 0xFFFF, 0x7FFFFFFFL, 0x80000000L,
        0xFFFFFFFFL, Long.MAX_VALUE, Long.MIN_VALUE};

    private Mutator() {
    }

    public static Mutation mutate(byte[] original, SplittableRandom r) {
        byte[] b = original.clone();
        int n = b.length;
        switch (r.nextInt(8)) {
            case 0, 1 -> {
                int k = n == 0 ? 0 : 1 + r.nextInt(4);
                int[] at = new int[k];
                for (int i = 0; i < k; i++) {
                    at[i] = r.nextInt(n);
                    b[at[i]] ^= (byte) (1 << r.nextInt(8));
                }
                return new Mutation(b, "flipped " + k + " bits at " + Arrays.toString(at), at);
            }
            case 2 -> {
                int at = n == 0 ? 0 : r.nextInt(n);
                int len = Math.min(n - at, 1 + r.nextInt(16));
                for (int i = 0; i < len; i++) {
                    b[at + i] = (byte) (r.nextBoolean() ? 0xFF : r.nextInt(256));
                }
                return new Mutation(b, "overwrote " + len + " bytes at " + at, range(at, at + len));
            }
            case 3 -> {
                int keep = n == 0 ? 0 : r.nextInt(n);
                return new Mutation(Arrays.copyOf(b, keep), "truncated to " + keep + " of " + n, null);
            }
            case 4 -> {
                int at = r.nextInt(n + 1);
                byte[] junk = new byte[1 + r.nextInt(16)];
                r.nextBytes(junk);
                byte[] out = new byte[n + junk.length];
                System.arraycopy(b, 0, out, 0, at);
                System.arraycopy(junk, 0, out, at, junk.length);
                System.arraycopy(b, at, out, at + junk.length, n - at);
                return new Mutation(out, "inserted " + junk.length + " bytes at " + at, null);
            }
            case 5 -> {
                int at = n == 0 ? 0 : r.nextInt(n);
                int len = Math.min(n - at, 1 + r.nextInt(16));
                byte[] out = new byte[n - len];
                System.arraycopy(b, 0, out, 0, at);
                System.arraycopy(b, at + len, out, at, n - at - len);
                return new Mutation(out, "deleted " + len + " bytes at " + at, null);
            }
            case 6 -> {
                byte[] junk = new byte[1 + r.nextInt(64)];
                r.nextBytes(junk);
                byte[] out = Arrays.copyOf(b, n + junk.length);
                System.arraycopy(junk, 0, out, n, junk.length);
                return new Mutation(out, "appended " + junk.length + " bytes", null);
            }
            default -> {
                return craft(b, r);
            }
        }
    }

    /** A crafted header field: a JSON number replaced, or a boundary integer over binary header bytes. */
    private static Mutation craft(byte[] b, SplittableRandom r) {
        int n = b.length;
        int window = Math.min(n, 1024);
        int start = window == 0 ? 0 : r.nextInt(window);
        for (int i = start; i < window; i++) {
            if (b[i] >= '0' && b[i] <= '9' && i > 0 && (b[i - 1] == ':' || b[i - 1] == '[' || b[i - 1] == ',')) {
                int end = i;
                while (end < n && b[end] >= '0' && b[end] <= '9') {
                    end++;
                }
                String number = NUMBERS[r.nextInt(NUMBERS.length)];
                byte[] text = number.getBytes(StandardCharsets.US_ASCII);
                byte[] out = new byte[n - (end - i) + text.length];
                System.arraycopy(b, 0, out, 0, i);
                System.arraycopy(text, 0, out, i, text.length);
                System.arraycopy(b, end, out, i + text.length, n - end);
                return new Mutation(out, "replaced the number at " + i + " by " + number, null);
            }
        }
        if (n == 0) {
            return new Mutation(b, "nothing to craft in an empty file", new int[0]);
        }
        int width = 1 << r.nextInt(4);
        int at = r.nextInt(Math.max(1, Math.min(n, 512) - width + 1));
        long value = BOUNDARIES[r.nextInt(BOUNDARIES.length)];
        for (int i = 0; i < width && at + i < n; i++) {
            b[at + i] = (byte) (value >>> (8 * i));
        }
        return new Mutation(b, "wrote " + width + "-byte value " + value + " at " + at, range(at, Math.min(n, at + width)));
    }

    private static int[] range(int from, int to) {
        int[] out = new int[to - from];
        for (int i = 0; i < out.length; i++) {
            out[i] = from + i;
        }
        return out;
    }
}
