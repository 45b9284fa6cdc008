package dev.graft.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@link CpuMath#exp} against {@link Math#exp} in double precision. */
class CpuMathTest {

    @Test
    void expIsWithinAFewUlpsOverTheNormalRange() {
        double worst = 0;
        for (float x = -87f; x <= 88.3f; x += 0.000917f) {
            double expected = Math.exp(x);
            double relative = Math.abs(CpuMath.exp(x) - expected) / expected;
            worst = Math.max(worst, relative);
        }
        assertTrue(worst < 3e-7, "worst relative error " + worst);
    }

    @Test
    void expIsExactWhereSoftmaxNeedsItAndClampsOutsideTheNormalRange() {
        assertEquals(1f, CpuMath.exp(0f), 0f, "e^0 (the row maximum's own term)");
        assertEquals(1f, CpuMath.exp(-0f), 0f);
        float tiny = CpuMath.exp(-1000f);
        assertTrue(tiny > 0f && tiny <= 1.2e-38f, "clamped to the smallest normal range, got " + tiny);
        float huge = CpuMath.exp(1000f);
        assertTrue(Float.isFinite(huge) && huge > 1e38f, "saturates below overflow, got " + huge);
    }
}
