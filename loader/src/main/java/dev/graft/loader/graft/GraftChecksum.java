package dev.graft.loader.graft;

import dev.graft.loader.ModelFileException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The SHA-256 that seals a Graft {@code .safetensors} file: stored in the header's {@code __metadata__} as
 * {@value #KEY}, computed over every byte of the file (length prefix, JSON header, padding, tensor data)
 * with the digest's own 64 characters set to {@code '0'}. Any changed byte, in the weights or in the layer
 * description, is a mismatch.
 */
final class GraftChecksum {

    /** The metadata key holding the hex digest. */
    static final String KEY = "graft.sha256";
    /** What the digest's place holds while the digest is computed. */
    static final String PLACEHOLDER = "0".repeat(64);

    private GraftChecksum() {
    }

    /** Writes the digest of {@code encoded} (which holds the placeholder) into it, in place. */
    static void seal(byte[] encoded, long headerEnd) {
        int at = locate(encoded, headerEnd, PLACEHOLDER);
        if (at < 0) {
            throw new IllegalStateException("checksum placeholder not found once in the header");
        }
        byte[] digest = HexFormat.of().formatHex(sha256(encoded)).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(digest, 0, encoded, at, digest.length);
    }

    /** Checks that {@code bytes} hash to {@code stored}, the digest read from the file's metadata. */
    static void verify(Path file, byte[] bytes, long headerEnd, String stored) throws ModelFileException {
        if (stored.length() != 64 || !stored.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            throw new ModelFileException(file, KEY, "checksum is not 64 lowercase hex digits (damaged header)");
        }
        int at = locate(bytes, headerEnd, stored);
        if (at < 0) {
            throw new ModelFileException(file, KEY, "checksum entry is not where Graft writes it (damaged header)");
        }
        byte[] copy = bytes.clone();
        System.arraycopy(PLACEHOLDER.getBytes(StandardCharsets.US_ASCII), 0, copy, at, 64);
        String actual = HexFormat.of().formatHex(sha256(copy));
        if (!actual.equals(stored)) {
            throw new ModelFileException(file, KEY, "SHA-256 mismatch: the header says " + stored + ", the file gives "
                    + actual + " (the file is damaged: weights or layer description changed after writing)");
        }
    }

    /** Where the digest's 64 characters start: the one {@code "graft.sha256":"<digest>"} in the header, else -1. */
    private static int locate(byte[] bytes, long headerEnd, String digest) {
        byte[] pattern = ("\"" + KEY + "\":\"" + digest + "\"").getBytes(StandardCharsets.US_ASCII);
        int found = -1;
        for (int i = 8; i + pattern.length <= headerEnd; i++) {
            if (matches(bytes, i, pattern)) {
                if (found >= 0) {
                    return -1;
                }
                found = i + pattern.length - 65;
            }
        }
        return found;
    }

    private static boolean matches(byte[] bytes, int at, byte[] pattern) {
        for (int j = 0; j < pattern.length; j++) {
            if (bytes[at + j] != pattern[j]) {
                return false;
            }
        }
        return true;
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
