package dev.graft;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.StringJoiner;

/**
 * What a layer is, apart from its name, input shape and parameter values: its type (as registered
 * by a {@link LayerType}, e.g. {@code dense}) and its configuration in a fixed order, with string,
 * number, boolean or list values. Graft's format, model summaries, {@code graft inspect} and cache
 * keys are all driven from it, so a new layer type describes itself once and needs no code there.
 */
public final class LayerDescription {

    private final String type;
    private final Map<String, Object> config;

    private LayerDescription(String type, Map<String, Object> config) {
        this.type = type;
        this.config = config;
    }

    /** A description of the given type with no configuration; add entries with {@link #with}. */
    public static LayerDescription of(String type) {
        if (type == null || !type.matches("[a-z][a-z0-9_]*")) {
            throw new IllegalArgumentException("layer type '" + type + "' must be lower-case letters, digits and '_'");
        }
        return new LayerDescription(type, Map.of());
    }

    /**
     * This description with one more configuration entry (kept in insertion order).
     *
     * @throws IllegalArgumentException if the key is present or the value is not a string, a finite
     *         number, a boolean or a list of those
     */
    public LayerDescription with(String key, Object value) {
        Objects.requireNonNull(key, "key");
        checkValue(key, value);
        if (config.containsKey(key)) {
            throw new IllegalArgumentException("layer description '" + type + "' already has '" + key + "'");
        }
        Map<String, Object> copy = new LinkedHashMap<>(config);
        copy.put(key, value instanceof List<?> l ? List.copyOf(l) : value);
        return new LayerDescription(type, Collections.unmodifiableMap(copy));
    }

    /** This description with {@code key} set to {@code value}: replaced in place if present, else added at the end. */
    public LayerDescription replacing(String key, Object value) {
        Objects.requireNonNull(key, "key");
        checkValue(key, value);
        Map<String, Object> copy = new LinkedHashMap<>(config);
        copy.put(key, value instanceof List<?> l ? List.copyOf(l) : value);
        return new LayerDescription(type, Collections.unmodifiableMap(copy));
    }

    private static void checkValue(String key, Object value) {
        if (value instanceof List<?> list) {
            for (Object element : list) {
                if (element instanceof List<?>) {
                    throw new IllegalArgumentException("configuration '" + key + "': nested lists are not supported");
                }
                checkValue(key, element);
            }
        } else if (value instanceof Number n) {
            if (!(n instanceof Integer || n instanceof Long || n instanceof Float || n instanceof Double)
                    || !Double.isFinite(n.doubleValue())) {
                throw new IllegalArgumentException("configuration '" + key + "': " + n + " is not a finite int, long, float or double");
            }
        } else if (!(value instanceof String || value instanceof Boolean)) {
            throw new IllegalArgumentException("configuration '" + key + "': " + value
                    + " is not a string, number, boolean or list");
        }
    }

    /** The layer type, e.g. {@code dense}. */
    public String type() {
        return type;
    }

    /** The configuration, in order; unmodifiable. */
    public Map<String, Object> config() {
        return config;
    }

    /** The value of {@code key}. */
    public Object get(String key) {
        Object v = config.get(key);
        if (v == null) {
            throw new IllegalArgumentException("layer description '" + type + "' has no '" + key
                    + "' (has " + config.keySet() + ")");
        }
        return v;
    }

    public String string(String key) {
        return typed(key, String.class);
    }

    public int integer(String key) {
        Number n = typed(key, Number.class);
        if (n.doubleValue() != Math.rint(n.doubleValue()) || Math.abs(n.doubleValue()) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("layer description '" + type + "': '" + key + "' is " + n + ", not a whole number");
        }
        return n.intValue();
    }

    public double number(String key) {
        return typed(key, Number.class).doubleValue();
    }

    public boolean bool(String key) {
        return typed(key, Boolean.class);
    }

    public List<?> list(String key) {
        return typed(key, List.class);
    }

    private <T> T typed(String key, Class<T> type) {
        Object v = get(key);
        if (!type.isInstance(v)) {
            throw new IllegalArgumentException("layer description '" + this.type + "': '" + key + "' is " + v
                    + ", expected a " + type.getSimpleName().toLowerCase(java.util.Locale.ROOT));
        }
        return type.cast(v);
    }

    /** Feeds a canonical text of this description (type and every entry, typed) into {@code digest}. */
    public void digestInto(MessageDigest digest) {
        StringBuilder sb = new StringBuilder(type).append('{');
        config.forEach((k, v) -> sb.append(k.length()).append(':').append(k).append('=').append(canonical(v)).append(';'));
        digest.update(sb.append('}').toString().getBytes(StandardCharsets.UTF_8));
    }

    private static String canonical(Object v) {
        if (v instanceof String s) {
            return "s" + s.length() + ":" + s;
        }
        if (v instanceof List<?> l) {
            StringJoiner j = new StringJoiner(",", "[", "]");
            l.forEach(e -> j.add(canonical(e)));
            return j.toString();
        }
        if (v instanceof Float || v instanceof Double) {
            return "f" + Double.toString(((Number) v).doubleValue());
        }
        if (v instanceof Number n) {
            return "i" + n.longValue();
        }
        return "b" + v;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LayerDescription d && type.equals(d.type) && config.equals(d.config);
    }

    @Override
    public int hashCode() {
        return type.hashCode() * 31 + config.hashCode();
    }

    /** E.g. {@code dense(units=5, activation=relu)}. */
    @Override
    public String toString() {
        StringJoiner j = new StringJoiner(", ", type + "(", ")");
        config.forEach((k, v) -> j.add(k + "=" + v));
        return j.toString();
    }
}
