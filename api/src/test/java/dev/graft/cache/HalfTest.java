package dev.graft.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** fp16 conversion against exhaustive round trips and a nearest-value search. */
class HalfTest {

    @Test
    void everyFiniteHalfRoundTripsExactly() {
        for (int bits = 0; bits < 0x10000; bits++) {
            short h = (short) bits;
            float f = Half.toFloat(h);
            if (Float.isNaN(f)) {
                assertTrue(((bits >>> 10) & 0x1F) == 0x1F && (bits & 0x3FF) != 0);
                continue;
            }
            assertEquals(bits, Half.fromFloat(f) & 0xFFFF, "half " + Integer.toHexString(bits) + " = " + f);
        }
        assertEquals(65504f, Half.toFloat((short) 0x7BFF));
        assertEquals(0x1p-24f, Half.toFloat((short) 0x0001));
    }

    @Test
    void floatsRoundToTheNearestHalfTiesToEven() {
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < 200_000; i++) {
            float f = (float) ((r.nextDouble() * 2 - 1) * Math.pow(2, r.nextInt(-26, 16)));
            short h = Half.fromFloat(f);
            double got = Half.toFloat(h);
            // The neighbours of the chosen half: neither may be strictly closer.
            for (int d = -1; d <= 1; d += 2) {
                float neighbour = Half.toFloat((short) ((h & 0xFFFF) + d));
                if (Float.isFinite(neighbour) && (Math.signum(neighbour) == Math.signum(got) || got == 0)) {
                    assertTrue(Math.abs(got - f) <= Math.abs((double) neighbour - f),
                            f + " became " + got + " but " + neighbour + " is closer");
                }
            }
        }
        // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: ties go to the even mantissa (1).
        assertEquals(1f, Half.toFloat(Half.fromFloat(1f + 0x1p-11f)));
        assertEquals(1f + 0x1p-9f, Half.toFloat(Half.fromFloat(1f + 0x1p-10f + 0x1p-11f)));
        assertEquals(0f, Half.toFloat(Half.fromFloat(0x1p-25f)), "half of the smallest subnormal ties to 0");
        assertEquals(Float.POSITIVE_INFINITY, Half.toFloat(Half.fromFloat(65520f)));
        assertEquals(65504f, Half.toFloat(Half.fromFloat(65519f)));
        assertTrue(Half.fits(65519f));
        assertFalse(Half.fits(65520f));
    }
}
