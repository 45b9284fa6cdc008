package dev.graft.cache;

/**
 * How cached bottleneck values are stored. {@link #FP16} halves memory and disk at the cost of
 * rounding each value to 11 significant bits (about 3 decimal digits); values above 65504 in
 * magnitude do not fit and are refused with an error rather than stored as infinity.
 */
public enum Storage {
    /** 32-bit IEEE floats: exactly the values the frozen layers computed. */
    FP32(1, Float.BYTES),
    /** 16-bit IEEE half floats, rounded to nearest even. */
    FP16(2, Short.BYTES);

    private final int code;
    private final int bytesPerValue;

    Storage(int code, int bytesPerValue) {
        this.code = code;
        this.bytesPerValue = bytesPerValue;
    }

    /** Bytes one stored value takes. */
    public int bytesPerValue() {
        return bytesPerValue;
    }

    /** The number written in cache-file headers. */
    int code() {
        return code;
    }

    /** The storage with this header code, or null if unknown. */
    static Storage ofCode(int code) {
        for (Storage s : values()) {
            if (s.code == code) {
                return s;
            }
        }
        return null;
    }

    /** The name used in cache keys ("fp32", "fp16"). */
    public String keyName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
