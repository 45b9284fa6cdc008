package dev.graft.train;

import dev.graft.Layer;
import dev.graft.Model;
import dev.graft.data.Dataset;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * What makes two training runs the same run for resuming: the model's layout and starting weights,
 * the data, and the hyper-parameters that change the result. A checkpoint of another run is refused.
 */
final class RunIdentity {

    private RunIdentity() {
    }

    static String of(Model model, Dataset train, Dataset validation, String settings) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(("graft-run-v1|" + settings + "|train=" + train.fingerprint()
                    + "|validation=" + (validation == null ? "-" : validation.fingerprint()) + "|").getBytes(StandardCharsets.UTF_8));
            if (!model.isChain()) {
                md.update(("graph=" + model.inbound() + "|").getBytes(StandardCharsets.UTF_8));
            }
            for (Layer layer : model.layers()) {
                md.update((layer.name() + "|").getBytes(StandardCharsets.UTF_8));
                dev.graft.cache.CacheKeys.digestLayer(layer, md);
                md.update((byte) (layer.trainable() ? 'T' : 'F'));
            }
            return HexFormat.of().formatHex(md.digest()).substring(0, 32);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
