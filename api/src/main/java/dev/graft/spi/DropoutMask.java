package dev.graft.spi;

/**
 * The one definition of which units dropout keeps, shared by every backend so that they agree
 * bit for bit: a counter-based hash (SplitMix64's finaliser) of the seed and the element's index,
 * its top 24 bits read as a uniform number in [0, 1). Kernels on other devices implement the same
 * arithmetic.
 */
public final class DropoutMask {

    private DropoutMask() {
    }

    /** The uniform number in [0, 1) for element {@code index} under {@code seed}. */
    public static float uniform(long seed, long index) {
        long z = seed + (index + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z = z ^ (z >>> 31);
        return (z >>> 40) * 0x1.0p-24f;
    }

    /**
     * The mask seed for one dropout layer at one training step. It depends on the layer's name, not
     * its position, so that training on cached bottleneck features (where the network starts above
     * the frozen layers) draws the same masks as training the whole model.
     */
    public static long seed(long trainingSeed, long step, String layerName) {
        return trainingSeed * 0x9E3779B97F4A7C15L + step * 1_000_003L + layerName.hashCode();
    }

    /** Whether element {@code index} survives dropout at this rate. */
    public static boolean keep(long seed, long index, float rate) {
        return uniform(seed, index) >= rate;
    }
}
