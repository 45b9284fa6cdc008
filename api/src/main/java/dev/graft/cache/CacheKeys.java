package dev.graft.cache;

import dev.graft.Layer;
import dev.graft.Model;
import dev.graft.data.Dataset;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Content-addressed cache keys: SHA-256 over every frozen layer's configuration and parameter
 * bytes, the dataset's fingerprint (features and labels) and the storage format. Trainability is
 * not part of the key (a frozen layer computes the same values either way).
 */
public final class CacheKeys {

    private CacheKeys() {
    }

    /** The key of fp32 features of {@code data} after {@code prefix}. */
    public static String key(Model prefix, Dataset data) {
        return key(prefix, data.fingerprint(), "fp32");
    }

    /** The key for a given data fingerprint and storage format name. */
    public static String key(Model prefix, String dataFingerprint, String storage) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(("graft-bottleneck-v1|" + prefix.inputWidth() + "|").getBytes(StandardCharsets.UTF_8));
            for (Layer layer : prefix.layers()) {
                layer.digestInto(md);
            }
            md.update(("|data=" + dataFingerprint + "|storage=" + storage).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
