package dev.graft.cache;

/**
 * IEEE-754 binary16 conversion (Java 17 has no {@code Float.floatToFloat16}): round to nearest,
 * ties to even, with subnormals; used by {@link Storage#FP16}.
 */
final class Half {

    /** The largest finite half value. */
    static final float MAX = 65504f;

    private Half() {
    }

    /** The half bits nearest to {@code f} (overflow gives infinity; callers check {@link #fits}). */
    static short fromFloat(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = (bits >>> 23) & 0xFF;
        int mant = bits & 0x7FFFFF;
        if (exp == 0xFF) {
            return (short) (sign | 0x7C00 | (mant != 0 ? 0x200 | (mant >>> 13) : 0));
        }
        int e = exp - 127 + 15;
        if (e >= 0x1F) {
            return (short) (sign | 0x7C00);
        }
        if (e <= 0) {
            if (e < -10) {
                return (short) sign;
            }
            // Subnormal half: shift the full significand (with its implicit 1) into place and round.
            int m = mant | 0x800000;
            int shift = 14 - e;
            int half = m >>> shift;
            int rest = m & ((1 << shift) - 1);
            int midpoint = 1 << (shift - 1);
            if (rest > midpoint || (rest == midpoint && (half & 1) != 0)) {
                half++;
            }
            return (short) (sign | half);
        }
        int half = (e << 10) | (mant >>> 13);
        int rest = mant & 0x1FFF;
        if (rest > 0x1000 || (rest == 0x1000 && (half & 1) != 0)) {
            half++; // may carry into the exponent, which is the correct rounding (up to infinity)
        }
        return (short) (sign | half);
    }

    /** The float value of half bits {@code h} (exact). */
    static float toFloat(short h) {
        int bits = h & 0xFFFF;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1F;
        int mant = bits & 0x3FF;
        if (exp == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }

    /** Whether {@code f} rounds to a finite half. */
    static boolean fits(float f) {
        return Math.abs(f) < 65520f; // 65520 and above round to infinity
    }
}
