package dev.graft.data;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;

/**
 * An in-memory set of samples: a row-major {@code size × width} float matrix of features and, per
 * sample, either an integer class label (classification), {@code targetWidth} float targets
 * (regression), or nothing ({@link #unlabelled}: data to predict on). Immutable; every operation
 * returns a new dataset.
 */
public final class Dataset {

    private final FeatureStore features;
    private final int width;
    private final int size;
    private final int[] labels;
    private final int classes;
    private final float[] targets;
    private final int targetWidth;
    private String fingerprint;
    private String featureFingerprint;

    private Dataset(float[] features, int width, int[] labels, int classes, float[] targets, int targetWidth) {
        this(new FeatureStore.Floats32(features), width, labels, classes, targets, targetWidth);
    }

    private Dataset(FeatureStore features, int width, int[] labels, int classes, float[] targets, int targetWidth) {
        this(features, width, labels, classes, targets, targetWidth, true);
    }

    /**
     * @param checkFeatures false for a store taken from a dataset that was already checked (the same
     *     store, or rows selected from it): scanning every value again cost ~240 ms for 30M floats in
     *     a fresh JVM, once per derived dataset
     */
    private Dataset(FeatureStore features, int width, int[] labels, int classes, float[] targets, int targetWidth,
                    boolean checkFeatures) {
        if (width <= 0) {
            throw new IllegalArgumentException("feature width must be positive, got " + width);
        }
        if (features.length() % width != 0) {
            throw new IllegalArgumentException(features.length() + " feature values do not divide into rows of " + width);
        }
        this.features = features;
        this.width = width;
        this.size = features.length() / width;
        this.labels = labels;
        this.classes = classes;
        this.targets = targets;
        this.targetWidth = targetWidth;
        int bad = checkFeatures ? features.firstNonFinite() : -1;
        if (bad >= 0) {
            float[] row = new float[width];
            features.copyRow(bad / width, width, row, 0);
            throw new IllegalArgumentException("feature " + (bad % width) + " of sample " + (bad / width) + " is " + row[bad % width]);
        }
        if (labels != null) {
            if (labels.length != size) {
                throw new IllegalArgumentException(labels.length + " labels for " + size + " samples");
            }
            for (int i = 0; i < size; i++) {
                if (labels[i] < 0 || labels[i] >= classes) {
                    throw new IllegalArgumentException("label " + labels[i] + " of sample " + i
                            + " is out of range: there are " + classes + " classes (0.." + (classes - 1) + ")");
                }
            }
        }
        if (targets != null) {
            if (targets.length != (long) size * targetWidth) {
                throw new IllegalArgumentException(targets.length + " target values for " + size + " samples of width " + targetWidth);
            }
            for (int i = 0; i < targets.length; i++) {
                if (!Float.isFinite(targets[i])) {
                    throw new IllegalArgumentException("target " + (i % targetWidth) + " of sample " + (i / targetWidth) + " is " + targets[i]);
                }
            }
        }
    }

    /** A classification dataset (arrays are copied). */
    public static Dataset classification(float[] features, int width, int[] labels, int classes) {
        if (classes < 2) {
            throw new IllegalArgumentException("classification needs at least 2 classes, got " + classes);
        }
        return new Dataset(features.clone(), width, labels.clone(), classes, null, 0);
    }

    /**
     * A classification dataset over the caller's arrays, without copying them: for large data read
     * once (60,000 images are 188 MB), where a defensive copy would double the memory. The caller
     * hands the arrays over and must not modify them afterwards.
     */
    public static Dataset wrapClassification(float[] features, int width, int[] labels, int classes) {
        if (classes < 2) {
            throw new IllegalArgumentException("classification needs at least 2 classes, got " + classes);
        }
        return new Dataset(features, width, labels, classes, null, 0);
    }

    /**
     * A classification dataset of unsigned 8-bit features (image pixels) presented as {@code v / 255}
     * floats, over the caller's array without copying it: a quarter of the memory of float
     * features, and no conversion of the whole set up front. The caller must not modify the arrays.
     */
    public static Dataset wrapPixels(byte[] pixels, int width, int[] labels, int classes) {
        if (classes < 2) {
            throw new IllegalArgumentException("classification needs at least 2 classes, got " + classes);
        }
        return new Dataset(new FeatureStore.Pixels(pixels), width, labels, classes, null, 0);
    }

    /**
     * A dataset of unsigned 8-bit interleaved image pixels ({@code height × width × channels} per row,
     * channels last) presented as {@code v / divisor[c] - subtract[c]} floats for channel {@code c}
     * (a normalisation preset such as MobileNet's {@code [-1, 1]} or caffe's mean subtraction),
     * computed as rows are read, over the caller's array without copying it. With {@code labels}
     * null the set is unlabelled (for prediction). {@code divisor = {255}, subtract = {0}} is
     * {@link #wrapPixels}. The caller must not modify the arrays.
     */
    public static Dataset wrapImages(byte[] pixels, int width, float[] divisor, float[] subtract, int[] labels, int classes) {
        if (divisor.length == 0 || divisor.length != subtract.length || width % divisor.length != 0) {
            throw new IllegalArgumentException("normalisation has " + divisor.length + " divisors and " + subtract.length
                    + " offsets for rows of " + width + " values; give one of each per channel");
        }
        if (labels != null && classes < 2) {
            throw new IllegalArgumentException("classification needs at least 2 classes, got " + classes);
        }
        boolean plain = true;
        for (int c = 0; c < divisor.length; c++) {
            plain &= divisor[c] == 255f && subtract[c] == 0f;
        }
        FeatureStore store = plain ? new FeatureStore.Pixels(pixels)
                : FeatureStore.NormalizedPixels.of(pixels, divisor.clone(), subtract.clone());
        return new Dataset(store, width, labels, labels == null ? 0 : classes, null, 0);
    }

    /** A regression dataset with {@code targetWidth} float targets per sample (arrays are copied). */
    public static Dataset regression(float[] features, int width, float[] targets, int targetWidth) {
        if (targetWidth <= 0) {
            throw new IllegalArgumentException("target width must be positive, got " + targetWidth);
        }
        return new Dataset(features.clone(), width, null, 0, targets.clone(), targetWidth);
    }

    /** Unsigned 8-bit features read as {@code v / 255}, without labels, over the caller's array ({@link Idx#readImages}). */
    static Dataset pixelsOnly(byte[] pixels, int width) {
        return new Dataset(new FeatureStore.Pixels(pixels), width, null, 0, null, 0);
    }

    /** Features only, no labels or targets: data to {@linkplain dev.graft.predict.Predictor predict} on (the array is copied). */
    public static Dataset unlabelled(float[] features, int width) {
        return new Dataset(features.clone(), width, null, 0, null, 0);
    }

    /** Rows of features only (each row is copied; all rows must have the same length). */
    public static Dataset unlabelled(float[][] rows) {
        if (rows.length == 0) {
            throw new IllegalArgumentException("no rows");
        }
        int width = rows[0].length;
        float[] flat = new float[Math.multiplyExact(rows.length, width)];
        for (int i = 0; i < rows.length; i++) {
            if (rows[i].length != width) {
                throw new IllegalArgumentException("row " + i + " has " + rows[i].length + " values; row 0 has " + width);
            }
            System.arraycopy(rows[i], 0, flat, i * width, width);
        }
        return new Dataset(flat, width, null, 0, null, 0);
    }

    /** The same features without labels or targets (shares the feature storage and its fingerprint). */
    public Dataset withoutLabels() {
        Dataset d = new Dataset(features, width, null, 0, null, 0);
        synchronized (this) {
            d.featureFingerprint = featureFingerprint;
        }
        return d;
    }

    public int size() { return size; }

    public int width() { return width; }

    public boolean isClassification() { return labels != null; }

    /** Whether samples carry labels or targets; false for {@link #unlabelled} data. */
    public boolean isLabelled() { return labels != null || targets != null; }

    /** Number of classes (0 for regression). */
    public int classes() { return classes; }

    /** Width of the per-sample training target: 1 (a label) for classification, the target width for regression, 0 unlabelled. */
    public int targetWidth() { return labels != null ? 1 : targetWidth; }

    public int label(int sample) {
        requireClassification();
        return labels[sample];
    }

    /** A copy of the labels (classification only). */
    public int[] labels() {
        requireClassification();
        return labels.clone();
    }

    /** A copy of the feature matrix. */
    public float[] features() { return features.toFloats(); }

    /** Copies sample {@code sample}'s features into {@code dst[dstOffset..]}. */
    public void copyFeatures(int sample, float[] dst, int dstOffset) {
        features.copyRow(sample, width, dst, dstOffset);
    }

    /**
     * Gathers the samples {@code order[from..to)} into {@code x} (features, row-major) and {@code y}
     * (labels as floats, or targets): the batch layout a {@link dev.graft.exec.Network} takes.
     */
    public void gather(int[] order, int from, int to, float[] x, float[] y) {
        for (int r = 0; r < to - from; r++) {
            features.copyRow(order[from + r], width, x, r * width);
        }
        gatherTargets(order, from, to, y);
    }

    /** Gathers only the labels (as floats) or targets of the samples {@code order[from..to)} into {@code y}. */
    public void gatherTargets(int[] order, int from, int to, float[] y) {
        if (!isLabelled()) {
            throw new IllegalStateException("this dataset has no labels or targets (Dataset.unlabelled): it can be predicted on, not trained or evaluated on");
        }
        int tw = targetWidth();
        for (int r = 0; r < to - from; r++) {
            int s = order[from + r];
            if (labels != null) {
                y[r] = labels[s];
            } else {
                System.arraycopy(targets, s * tw, y, r * tw, tw);
            }
        }
    }

    /** The same samples with other features (e.g. the bottleneck outputs), same labels or targets. */
    public Dataset withFeatures(float[] newFeatures, int newWidth) {
        if (newFeatures.length != (long) size * newWidth) {
            throw new IllegalArgumentException(newFeatures.length + " values are not " + size + " rows of " + newWidth);
        }
        return new Dataset(newFeatures, newWidth, labels, classes, targets, targetWidth);
    }

    /** The samples at {@code indices}, in that order. */
    public Dataset subset(int[] indices) {
        int tw = targetWidth;
        int[] l = labels == null ? null : new int[indices.length];
        float[] t = targets == null ? null : new float[indices.length * tw];
        for (int i = 0; i < indices.length; i++) {
            int s = indices[i];
            if (s < 0 || s >= size) {
                throw new IndexOutOfBoundsException("sample " + s + " of " + size);
            }
            if (l != null) {
                l[i] = labels[s];
            } else if (t != null) {
                System.arraycopy(targets, s * tw, t, i * tw, tw);
            }
        }
        return derive(new Dataset(features.select(indices, width), width, l, classes, t, targetWidth, false), "subset", indices, indices);
    }

    /** The first {@code n} samples (or all, if fewer). */
    public Dataset head(int n) {
        int[] idx = new int[Math.min(n, size)];
        Arrays.setAll(idx, i -> i);
        return subset(idx);
    }

    /**
     * Keeps the samples of the given classes and renumbers them in the order given: for Fashion-MNIST,
     * {@code filterClasses(5, 6, 7, 8, 9)} gives a 5-class set whose label 0 was class 5.
     */
    public Dataset filterClasses(int... keep) {
        requireClassification();
        int[] map = new int[classes];
        Arrays.fill(map, -1);
        for (int i = 0; i < keep.length; i++) {
            if (keep[i] < 0 || keep[i] >= classes) {
                throw new IllegalArgumentException("class " + keep[i] + " is out of range 0.." + (classes - 1));
            }
            if (map[keep[i]] >= 0) {
                throw new IllegalArgumentException("class " + keep[i] + " is listed twice");
            }
            map[keep[i]] = i;
        }
        return relabel(map);
    }

    /**
     * Gives every sample of class {@code c} the label {@code newLabel[c]}, dropping the samples whose
     * new label is -1: merges classes (e.g. {@code c / 2} folds ten classes into five) or drops them.
     * The new set has {@code max(newLabel) + 1} classes.
     */
    public Dataset relabel(int... newLabel) {
        requireClassification();
        if (newLabel.length != classes) {
            throw new IllegalArgumentException("relabel needs one new label per class: " + classes + " classes, "
                    + newLabel.length + " labels given");
        }
        int newClasses = 0;
        for (int c = 0; c < classes; c++) {
            if (newLabel[c] < -1) {
                throw new IllegalArgumentException("new label " + newLabel[c] + " for class " + c + " (use -1 to drop a class)");
            }
            newClasses = Math.max(newClasses, newLabel[c] + 1);
        }
        int kept = 0;
        for (int s = 0; s < size; s++) {
            if (newLabel[labels[s]] >= 0) {
                kept++;
            }
        }
        int[] idx = new int[kept];
        int[] l = new int[kept];
        for (int s = 0, i = 0; s < size; s++) {
            if (newLabel[labels[s]] >= 0) {
                idx[i] = s;
                l[i++] = newLabel[labels[s]];
            }
        }
        return derive(new Dataset(features.select(idx, width), width, l, Math.max(2, newClasses), null, 0, false), "relabel", newLabel, idx);
    }

    /** At most {@code perClass} samples of each class, the first ones in a seeded shuffle. */
    public Dataset samplePerClass(int perClass, long seed) {
        requireClassification();
        int[] order = shuffledOrder(seed);
        int[] taken = new int[classes];
        List<Integer> chosen = new ArrayList<>();
        for (int s : order) {
            if (taken[labels[s]]++ < perClass) {
                chosen.add(s);
            }
        }
        return subset(chosen.stream().mapToInt(Integer::intValue).sorted().toArray());
    }

    /** A split into training and validation parts after a seeded shuffle. */
    public Split split(double validationFraction, long seed) {
        if (!(validationFraction > 0 && validationFraction < 1)) {
            throw new IllegalArgumentException("validation fraction must be in (0, 1), got " + validationFraction);
        }
        int[] order = shuffledOrder(seed);
        int nVal = (int) Math.round(size * validationFraction);
        if (nVal == 0 || nVal == size) {
            throw new IllegalArgumentException("cannot split " + size + " samples with fraction " + validationFraction);
        }
        int[] val = Arrays.copyOfRange(order, 0, nVal);
        int[] train = Arrays.copyOfRange(order, nVal, size);
        Arrays.sort(val);
        Arrays.sort(train);
        return new Split(subset(train), subset(val));
    }

    /** Training and validation parts. */
    public record Split(Dataset train, Dataset validation) {
    }

    /** A permutation of {@code 0..size-1} from a seeded Fisher–Yates shuffle. */
    public int[] shuffledOrder(long seed) {
        int[] order = new int[size];
        Arrays.setAll(order, i -> i);
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = size - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int tmp = order[i];
            order[i] = order[j];
            order[j] = tmp;
        }
        return order;
    }

    /**
     * The same samples, declared to be determined by {@code sourceFingerprint}: typically a hash of
     * the file they were read from plus the preprocessing applied (what {@link Idx} does), so the
     * bottleneck cache's key need not hash every feature again. The caller promises that equal
     * source fingerprints mean equal data; the arrays are shared, not copied.
     */
    public Dataset withSourceFingerprint(String sourceFingerprint) {
        return withSourceFingerprints(sourceFingerprint, "");
    }

    /**
     * As {@link #withSourceFingerprint}, with the features' source and the labels' source apart (an
     * image file and a label file): {@link #featureFingerprint()} then derives from
     * {@code featuresSource} alone, so the same images with other labels share bottleneck-cache
     * entries. With an empty {@code labelsSource}, {@code featuresSource} is taken to determine the
     * labels too, and the feature fingerprint is derived from it as well.
     */
    public Dataset withSourceFingerprints(String featuresSource, String labelsSource) {
        Dataset d = new Dataset(features, width, labels, classes, targets, targetWidth, false);
        d.featureFingerprint = Fingerprints.sha256("source-features|" + featuresSource);
        d.fingerprint = labelsSource.isEmpty() ? Fingerprints.sha256("source|" + featuresSource)
                : Fingerprints.sha256("source|" + featuresSource.length() + ":" + featuresSource + "|" + labelsSource);
        return d;
    }

    /**
     * SHA-256 that identifies this data, labels included: equal fingerprints mean equal data (the
     * bottleneck cache keys on {@link #featureFingerprint()} instead). Computed once, over the shape, features and labels/targets, unless the dataset
     * was read from a file whose hash stands for its content ({@link #withSourceFingerprint}) or was
     * taken from such a dataset by {@link #subset}, {@link #filterClasses} and the operations built
     * on them, whose fingerprints derive from the parent's and the operation's arguments.
     */
    public synchronized String fingerprint() {
        if (fingerprint == null) {
            try {
                MessageDigest md = MessageDigest.getInstance("SHA-256");
                md.update(("dataset|" + size + "|" + width + "|" + classes + "|" + targetWidth + "|"
                        + featureFingerprint() + "|").getBytes(StandardCharsets.UTF_8));
                if (labels != null) {
                    for (int l : labels) {
                        md.update((byte) l);
                        md.update((byte) (l >>> 8));
                        md.update((byte) (l >>> 16));
                        md.update((byte) (l >>> 24));
                    }
                } else if (targets != null) {
                    Floats.digest(md, targets);
                }
                fingerprint = HexFormat.of().formatHex(md.digest());
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
        return fingerprint;
    }

    /**
     * SHA-256 of the features alone (shape and values; no labels or targets): what the bottleneck
     * cache keys on, since a frozen layer's outputs depend only on its inputs. The same images with
     * two label sets share this fingerprint. Derived without re-hashing, like {@link #fingerprint()},
     * for data read from files and for subsets and relabellings of such data (a relabelling keeps the
     * feature fingerprint of the rows it keeps).
     */
    public synchronized String featureFingerprint() {
        if (featureFingerprint == null) {
            try {
                MessageDigest md = MessageDigest.getInstance("SHA-256");
                md.update(("features|" + size + "|" + width + "|").getBytes(StandardCharsets.UTF_8));
                features.digest(md);
                featureFingerprint = HexFormat.of().formatHex(md.digest());
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
        return featureFingerprint;
    }

    /**
     * Gives {@code child} fingerprints derived from this one's, when they are already known (no
     * hashing of content): the whole fingerprint from {@code operation} and its {@code arguments},
     * the feature fingerprint from the {@code rows} kept (so relabelling does not change it).
     */
    private Dataset derive(Dataset child, String operation, int[] arguments, int[] rows) {
        String parent;
        String parentFeatures;
        synchronized (this) {
            parent = fingerprint;
            parentFeatures = featureFingerprint;
        }
        if (parent != null) {
            child.fingerprint = Fingerprints.sha256(operation + '|' + parent + '|' + Fingerprints.join(arguments));
        }
        if (parentFeatures != null) {
            child.featureFingerprint = Fingerprints.isIdentity(rows, size) ? parentFeatures
                    : Fingerprints.sha256("rows|" + parentFeatures + '|' + Fingerprints.join(rows));
        }
        return child;
    }

    private void requireClassification() {
        if (labels == null) {
            throw new IllegalStateException((targets == null ? "this dataset has no labels (Dataset.unlabelled)"
                    : "this is a regression dataset") + "; the operation needs class labels");
        }
    }

    @Override
    public String toString() {
        return "Dataset(" + size + " x " + width + (labels != null ? ", " + classes + " classes"
                : targets != null ? ", targets " + targetWidth : ", unlabelled") + ")";
    }
}
