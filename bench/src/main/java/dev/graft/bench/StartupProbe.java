package dev.graft.bench;

import dev.graft.Activation;
import dev.graft.Backends;
import dev.graft.Dense;
import dev.graft.Model;
import dev.graft.Transfer;
import dev.graft.cache.MemoryCache;
import dev.graft.data.Dataset;
import dev.graft.loader.ModelFormat;
import dev.graft.loader.Models;
import dev.graft.spi.Backend;
import dev.graft.spi.BackendOptions;
import dev.graft.train.Optimizer;
import dev.graft.train.Trainer;
import dev.graft.train.TrainingControl;
import dev.graft.train.TrainingListener;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Where the time goes from {@code java} to the first trained batch of the harness-style job (issue
 * 19): read a 500-300-100-50-5 TF checkpoint, keep hidden1–3 with hidden1–2 frozen, a fresh 5-way
 * output, open the cpu backend, train one batch of synthetic data. Prints one line of milestones in
 * milliseconds since the JVM started ({@code RuntimeMXBean.getStartTime()}, read after the batch so
 * that loading the management classes costs the measured path nothing), and since
 * {@code -Dprobe.launchMillis} when the shell passes it ({@code date +%s%3N} just before {@code java}).
 *
 * <p>Usage: {@code StartupProbe prepare <dir>} once (writes {@code <dir>/model.ckpt.*}), then in a
 * fresh JVM each time {@code StartupProbe run <dir> [batch] [samples]}. {@code -Dprobe.cache=true}
 * trains through a {@link MemoryCache} (the first batch then follows featurizing every sample);
 * {@code -Dprobe.backend=NAME} opens another backend ({@code auto}: {@link Backends#open()});
 * {@code -Dprobe.prefetch=true} probes it on a second thread while the checkpoint is read.
 * {@code bench/startup.sh} runs it on the module jars and on the CLI's fat jar, each with and without
 * a CDS archive; {@code bench/startup_tf_checkpoint.py} writes the same network with TensorFlow itself
 * (a 40 KB {@code .meta} with the training graph, against the 2 KB one Graft's writer makes).
 */
public final class StartupProbe {

    private static final long MAIN_NANOS = System.nanoTime();
    private static final long MAIN_MILLIS = System.currentTimeMillis();
    /**
     * {@code -Dprobe.cpu=true}: also the main thread's CPU time at each milestone, which on a loaded
     * machine tracks the idle wall time better than the wall time does (the JIT and GC threads run
     * beside it on an idle machine). Costs the management classes' loading, about 20 ms, before main's mark.
     */
    private static final java.lang.management.ThreadMXBean CPU = Boolean.getBoolean("probe.cpu")
            ? ManagementFactory.getThreadMXBean() : null;
    private static final Map<String, Long> CPU_MARKS = new LinkedHashMap<>();

    private StartupProbe() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length >= 2 && args[0].equals("prepare")) {
            prepare(Path.of(args[1]));
            return;
        }
        if (args.length < 2 || !args[0].equals("run")) {
            System.err.println("usage: StartupProbe prepare <dir> | StartupProbe run <dir> [batch] [samples]");
            System.exit(2);
        }
        Path dir = Path.of(args[1]);
        int batch = args.length > 2 ? Integer.parseInt(args[2]) : 64;
        int samples = args.length > 3 ? Integer.parseInt(args[3]) : batch;
        run(dir, batch, samples);
    }

    /** The user's checkpoint, in tf.train.Saver's format (written by Graft): 500-300-100-50-5, ReLU, logits. */
    static void prepare(Path dir) throws Exception {
        Files.createDirectories(dir);
        Model model = Model.builder(500, 1)
                .dense("hidden1", 300, Activation.RELU)
                .dense("hidden2", 100, Activation.RELU)
                .dense("hidden3", 50, Activation.RELU)
                .dense("output", 5, Activation.IDENTITY)
                .build();
        Models.save(model, dir.resolve("model.ckpt"), ModelFormat.TF_CHECKPOINT);
        System.out.println("wrote " + dir.resolve("model.ckpt") + ".*");
    }

    static void run(Path dir, int batch, int samples) throws Exception {
        Map<String, Long> marks = new LinkedHashMap<>();
        mark(marks, "main");
        marks.put("main", MAIN_NANOS);
        String name = System.getProperty("probe.backend", "cpu");
        if (Boolean.getBoolean("probe.prefetch") && !name.equals("auto")) {
            // What overlapping would buy: probe (load the natives of) the backend on a second thread
            // while this one reads the checkpoint; the open below then waits for it, if still running.
            Thread prefetch = new Thread(() -> Backends.find(name), "backend-prefetch");
            prefetch.setDaemon(true);
            prefetch.start();
        }

        Model original = Models.load(dir.resolve("model.ckpt")).model();
        mark(marks, "checkpoint");
        Model transferred = Transfer.from(original).keepThrough("hidden3").freezeThrough("hidden2")
                .add(Dense.spec("output", 5, Activation.IDENTITY)).seed(3).build();
        Dataset data = synthetic(samples, 500, 5);
        mark(marks, "model+data");

        try (Backend backend = name.equals("auto") ? Backends.open() : Backends.open(name, BackendOptions.defaults())) {
            mark(marks, "backend");
            boolean[] firstBatch = {false};
            double[] loss = {0};
            Trainer.Builder trainer = Trainer.builder(backend).optimizer(Optimizer.sgd(0.01f)).epochs(1)
                    .batchSize(batch).seed(7).listener(new TrainingListener() {
                        private TrainingControl control;

                        @Override
                        public void onTrainingStart(TrainingControl c) {
                            control = c;
                        }

                        @Override
                        public void onBatch(int epoch, int b, int batches, int n, double meanLoss) {
                            if (!firstBatch[0]) {
                                firstBatch[0] = true;
                                mark(marks, "firstBatch");
                                loss[0] = meanLoss;
                                control.stop();
                            }
                        }
                    });
            if (Boolean.getBoolean("probe.cache")) {
                trainer.cache(new MemoryCache());
            }
            trainer.build().fit(transferred, data);
            report(marks, backend.description(), loss[0]);
        }
    }

    private static void mark(Map<String, Long> marks, String name) {
        marks.put(name, System.nanoTime());
        if (CPU != null) {
            CPU_MARKS.put(name, CPU.getCurrentThreadCpuTime());
        }
    }

    private static void report(Map<String, Long> marks, String backend, double loss) {
        long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime();
        // nanoTime has no epoch: anchor it at main's currentTimeMillis.
        double mainSinceJvm = MAIN_MILLIS - jvmStart;
        StringBuilder line = new StringBuilder("STARTUP {");
        line.append(String.format(Locale.ROOT, "\"backend\":\"%s\",\"loss\":%.5f", backend, loss));
        long launch = Long.getLong("probe.launchMillis", 0);
        if (launch > 0) {
            line.append(",\"jvmStartSinceLaunch\":").append(jvmStart - launch);
        }
        long previous = MAIN_NANOS;
        StringBuilder human = new StringBuilder();
        for (var e : marks.entrySet()) {
            double sinceJvm = mainSinceJvm + (e.getValue() - MAIN_NANOS) / 1e6;
            double step = e.getKey().equals("main") ? mainSinceJvm : (e.getValue() - previous) / 1e6;
            line.append(String.format(Locale.ROOT, ",\"%s\":%.1f", e.getKey(), sinceJvm));
            human.append(String.format(Locale.ROOT, "  %-11s %7.1f ms since JVM start (+%.1f)", e.getKey(), sinceJvm, step));
            if (CPU != null) {
                human.append(String.format(Locale.ROOT, "   main thread CPU %.1f ms", CPU_MARKS.get(e.getKey()) / 1e6));
                line.append(String.format(Locale.ROOT, ",\"%sCpu\":%.1f", e.getKey(), CPU_MARKS.get(e.getKey()) / 1e6));
            }
            human.append(System.lineSeparator());
            previous = e.getValue();
        }
        line.append(String.format(Locale.ROOT, ",\"load\":%s}", loadAverage()));
        System.out.print(human);
        System.out.println(line);
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (Exception e) {
            return "null";
        }
    }

    /** Deterministic Gaussian-ish features in [-1, 1) and labels 0..classes-1. */
    private static Dataset synthetic(int samples, int width, int classes) {
        SplittableRandom random = new SplittableRandom(11);
        float[] x = new float[samples * width];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (random.nextDouble() * 2 - 1);
        }
        int[] y = new int[samples];
        for (int i = 0; i < samples; i++) {
            y[i] = random.nextInt(classes);
        }
        return Dataset.wrapClassification(x, width, y, classes);
    }
}
