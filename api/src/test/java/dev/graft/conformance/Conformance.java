package dev.graft.conformance;

import static org.junit.jupiter.api.Assertions.fail;

import dev.graft.spi.Availability;
import dev.graft.spi.BackendProvider;
import java.util.Arrays;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;

/** Shared helpers of the conformance suite: skipping absent backends, random data, tolerant comparison. */
public final class Conformance {

    /** System property listing backends that must be present: {@code -Dgraft.requireBackends=cpu,tf}. */
    public static final String REQUIRE_PROPERTY = "graft.requireBackends";

    private Conformance() {
    }

    /**
     * Why the backend cannot run here (null when it can), failing instead when
     * {@code graft.requireBackends} names it or its probe throws.
     */
    public static String skipReason(BackendProvider provider) {
        Availability availability;
        try {
            availability = provider.probe();
        } catch (RuntimeException | LinkageError e) {
            fail("probe() of backend '" + provider.name() + "' threw instead of reporting: " + e, e);
            return null;
        }
        if (availability.available()) {
            return null;
        }
        if (required().contains(provider.name())) {
            fail("backend '" + provider.name() + "' is required here (" + REQUIRE_PROPERTY + ") but unavailable: "
                    + availability.reason());
        }
        return "backend '" + provider.name() + "' unavailable: " + availability.reason();
    }

    /**
     * Skips the calling test with the probe's reason when the backend cannot run here, or fails it
     * when {@code graft.requireBackends} names the backend. Call it per test (e.g. from
     * {@code @BeforeEach}) so that reports count each skipped test with its reason.
     */
    public static void requireOrSkip(BackendProvider provider) {
        String reason = skipReason(provider);
        if (reason != null) {
            Assumptions.abort(reason);
        }
    }

    static Set<String> required() {
        String value = System.getProperty(REQUIRE_PROPERTY, "");
        return Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).collect(Collectors.toSet());
    }

    /** {@code n} values uniform in [-scale, scale]. */
    public static float[] random(SplittableRandom random, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((random.nextDouble() * 2 - 1) * scale);
        }
        return v;
    }

    /**
     * Asserts {@code |actual − expected| ≤ abs + rel · |expected|} element-wise, reporting the first
     * offending index and the largest error.
     */
    public static void assertClose(String what, float[] expected, float[] actual, double abs, double rel) {
        if (expected.length != actual.length) {
            fail(what + ": length " + actual.length + ", expected " + expected.length);
        }
        int worst = -1;
        double worstExcess = 0;
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs((double) actual[i] - expected[i]);
            double allowed = abs + rel * Math.abs(expected[i]);
            if (!(err <= allowed) && (worst < 0 || err - allowed > worstExcess)) {
                worst = i;
                worstExcess = err - allowed;
            }
        }
        if (worst >= 0) {
            fail(what + ": element " + worst + " is " + actual[worst] + ", expected " + expected[worst]
                    + " (tolerance " + abs + " + " + rel + "·|expected|)");
        }
    }

    /**
     * Asserts {@code ‖actual − expected‖₂ ≤ rel · ‖expected‖₂}: closeness of a whole tensor, for
     * results of long computations (many training steps) where float rounding that differs between
     * backends moves single elements further than an element-wise bound allows, while a wrong
     * gradient or update still moves the tensor as a whole far outside it. Returns the relative difference.
     */
    public static double assertCloseInNorm(String what, float[] expected, float[] actual, double rel) {
        if (expected.length != actual.length) {
            fail(what + ": length " + actual.length + ", expected " + expected.length);
        }
        double diff = 0;
        double norm = 0;
        double largest = 0;
        for (int i = 0; i < expected.length; i++) {
            double d = (double) actual[i] - expected[i];
            diff += d * d;
            norm += (double) expected[i] * expected[i];
            largest = Math.max(largest, Math.abs(d));
        }
        double relative = Math.sqrt(diff) / Math.max(Math.sqrt(norm), Double.MIN_NORMAL);
        if (!(relative <= rel)) {
            fail(what + ": relative L2 difference " + relative + " exceeds " + rel
                    + " (largest element difference " + largest + ")");
        }
        return relative;
    }

    public static void assertClose(String what, double expected, double actual, double abs, double rel) {
        assertClose(what, new float[] {(float) expected}, new float[] {(float) actual}, abs, rel);
    }
}
