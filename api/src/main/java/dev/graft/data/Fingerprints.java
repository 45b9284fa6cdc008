package dev.graft.data;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Small helpers for {@link Dataset}'s fingerprints. */
final class Fingerprints {

    private Fingerprints() {
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static boolean isIdentity(int[] rows, int size) {
        if (rows.length != size) {
            return false;
        }
        for (int i = 0; i < rows.length; i++) {
            if (rows[i] != i) {
                return false;
            }
        }
        return true;
    }

    static String join(int[] values) {
        StringBuilder sb = new StringBuilder(values.length * 4);
        for (int a : values) {
            sb.append(a).append(',');
        }
        return sb.toString();
    }
}
