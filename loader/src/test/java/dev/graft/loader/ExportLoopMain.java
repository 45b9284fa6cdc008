package dev.graft.loader;

import dev.graft.Activation;
import dev.graft.Model;
import dev.graft.loader.tf.TfCheckpointWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A child process for {@link InterruptedExportTest}: writes checkpoints of two different models alternately,
 * forever, until the test kills it with SIGKILL. Mode {@code folder} swaps a whole folder as {@code graft
 * --export-tf} does; mode {@code prefix} rewrites the files at one prefix in place ({@link TfCheckpointWriter}).
 */
public final class ExportLoopMain {

    private ExportLoopMain() {
    }

    /** Two models with the same tensor shapes but different weights and a different output activation. */
    static Model model(int which) {
        return Model.builder(6, 100 + which)
                .dense("hidden1", 5, Activation.RELU)
                .dense("output", 3, which == 0 ? Activation.SOFTMAX : Activation.IDENTITY)
                .build();
    }

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        Path target = Path.of(args[1]);
        for (long i = 0; ; i++) {
            Model m = model((int) (i % 2));
            if (mode.equals("folder")) {
                AtomicFiles.replaceDirectory(target, dir -> true, fresh -> {
                    Files.createDirectories(fresh);
                    TfCheckpointWriter.write(m, fresh.resolve("model.ckpt"), TfCheckpointWriter.Naming.WEIGHTS_BIASES);
                });
            } else {
                TfCheckpointWriter.write(m, target, TfCheckpointWriter.Naming.WEIGHTS_BIASES);
            }
            if (i == 1) {
                System.out.println("ready");
                System.out.flush();
            }
        }
    }
}
