package dev.graft.cache;

/** The error for a feature too large for {@link Storage#FP16}. */
final class HalfOverflow {

    private HalfOverflow() {
    }

    static IllegalArgumentException at(float value, long sample, int feature) {
        return new IllegalArgumentException("bottleneck feature " + feature + " of sample " + sample + " is " + value
                + ", beyond fp16's range (±" + Half.MAX + "): cache with Storage.FP32");
    }
}
