package dev.graft.cache;

import dev.graft.Layer;
import dev.graft.Model;
import dev.graft.Parameter;
import dev.graft.data.Floats;
import dev.graft.data.Dataset;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * Content-addressed cache keys: a SHA-256 digest of everything that changes the cached values, so
 * that a changed input, weight or boundary can never read a stale entry.
 *
 * <p><b>In the key:</b> a format tag; the prefix's input shape; for every frozen layer in order,
 * the positions of the layers feeding it where that is not just the layer before (graph models), its input shape, its {@link dev.graft.LayerDescription} (type and configuration, e.g. units and
 * activation) and every parameter's name, shape and exact bytes, state such as moving statistics
 * included; the data's feature fingerprint ({@link Dataset#featureFingerprint()}: SHA-256 of its
 * shape and every feature value's bytes, or, for data read from IDX files, of the image file's bytes
 * and the fixed scaling, carried through subsets, class filters and relabellings; for a streamed
 * source, the fingerprint the caller supplies); the
 * preprocessing id the caller supplies (empty for a {@code Dataset}, whose bytes are already the
 * preprocessed values; for augmented training, the {@link dev.graft.data.Augmentation#id()} — image
 * shape, every distortion's setting, the augmentation seed — and the number of views K; for a
 * streamed image folder, its decoding settings); and the {@link Storage} type.
 *
 * <p><b>Not in the key:</b> labels and targets (a frozen layer's outputs depend only on its inputs;
 * labels travel beside the features, read from the caller's dataset, so the same images featurized
 * for two label sets share one entry); which of the K augmented views an epoch trains on (all are
 * stored; K = 1 without distortion is plain training and reads the plain entry); trainability (a frozen layer computes the same values either way); the
 * layers above the boundary; the backend, thread count and batch size used to featurize (backends
 * agree within float tolerance, not bit for bit, so an entry written by one backend is served to
 * another); the Graft version beyond the format tag; and anything outside the data's bytes
 * — a streamed source whose contents change under the same user-supplied fingerprint will be
 * served stale features, which is why that fingerprint is the caller's promise.
 */
public final class CacheKeys {

    private static final String TAG = "graft-bottleneck-v2|";

    private CacheKeys() {
    }

    /** The key of fp32 features of {@code data} after {@code prefix} (labels are not part of it). */
    public static String key(Model prefix, Dataset data) {
        return key(prefix, data.featureFingerprint(), "fp32");
    }

    /** The key for a given data fingerprint and storage format name, without preprocessing id. */
    public static String key(Model prefix, String dataFingerprint, String storage) {
        return prefixKeys(prefix, dataFingerprint, "", storage)[prefix.size() - 1];
    }

    /**
     * The keys of the features after each leading part of {@code prefix}: element {@code k - 1} is the
     * key of the output of layers {@code [0, k)}. The layers are hashed once, so this costs about as
     * much as one key.
     */
    public static String[] prefixKeys(Model prefix, String dataFingerprint, String preprocessing, String storage) {
        MessageDigest md = sha256();
        md.update((TAG + prefix.inputShape() + "|").getBytes(StandardCharsets.UTF_8));
        String[] keys = new String[prefix.size()];
        byte[] tail = ("|data=" + dataFingerprint.length() + ":" + dataFingerprint
                + "|preprocessing=" + preprocessing.length() + ":" + preprocessing
                + "|storage=" + storage).getBytes(StandardCharsets.UTF_8);
        for (int k = 0; k < prefix.size(); k++) {
            Layer layer = prefix.layer(k);
            if (k > 0 && !prefix.inputIndices(k).equals(List.of(k - 1))) {
                // A graph edge (positions, not names: names do not change values); chain edges add nothing, so chain keys stay as they were.
                md.update(("<-" + prefix.inputIndices(k) + "|").getBytes(StandardCharsets.UTF_8));
            }
            digestLayer(layer, md);
            md.update((byte) '#');
            MessageDigest branch = copy(md);
            branch.update(tail);
            keys[k] = HexFormat.of().formatHex(branch.digest());
        }
        return keys;
    }

    /**
     * Feeds a layer's meaning into {@code md}: input shape, description (type and configuration) and
     * every parameter's name, shape and exact bytes. Not its name or trainability, which do not change
     * its output. Generic over layer types: no type needs digest code of its own. Also identifies a
     * training run's model for resuming from checkpoints.
     */
    public static void digestLayer(Layer layer, MessageDigest md) {
        md.update((layer.inputShape() + "|").getBytes(StandardCharsets.UTF_8));
        layer.description().digestInto(md);
        for (Parameter p : layer.parameters()) {
            md.update(("|" + p.name() + p.shape() + "=").getBytes(StandardCharsets.UTF_8));
            Floats.digest(md, layer.parameterView(p.name()));
        }
        md.update((byte) '|');
    }

    /** Whether {@code s} looks like a key (64 lowercase hex digits), e.g. before using it as a file name. */
    public static boolean isKey(String s) {
        if (s == null || s.length() != 64) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static MessageDigest copy(MessageDigest md) {
        try {
            return (MessageDigest) md.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("SHA-256 digest cannot be cloned", e);
        }
    }
}
