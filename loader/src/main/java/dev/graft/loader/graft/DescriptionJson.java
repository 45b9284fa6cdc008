package dev.graft.loader.graft;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.LayerDescription;
import dev.graft.Shape;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** {@link LayerDescription}s and shapes as JSON, for Graft's format: string, number, boolean and list values. */
final class DescriptionJson {

    private DescriptionJson() {
    }

    static ObjectNode config(LayerDescription description) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        description.config().forEach((k, v) -> node.set(k, value(v)));
        return node;
    }

    private static JsonNode value(Object v) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (v instanceof String s) {
            return f.textNode(s);
        }
        if (v instanceof Boolean b) {
            return f.booleanNode(b);
        }
        if (v instanceof Integer i) {
            return f.numberNode(i);
        }
        if (v instanceof Long l) {
            return f.numberNode(l);
        }
        if (v instanceof Float x) {
            return f.numberNode(x);
        }
        if (v instanceof Double d) {
            return f.numberNode(d);
        }
        ArrayNode array = f.arrayNode();
        for (Object e : (List<?>) v) {
            array.add(value(e));
        }
        return array;
    }

    /**
     * The description of {@code type} with {@code config}'s entries in order.
     *
     * @throws IllegalArgumentException for a value that is not a string, number, boolean or flat list
     */
    static LayerDescription description(String type, JsonNode config) {
        LayerDescription d = LayerDescription.of(type);
        if (config == null || config.isMissingNode() || config.isNull()) {
            return d;
        }
        if (!config.isObject()) {
            throw new IllegalArgumentException("layer configuration is not a JSON object: " + config);
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = config.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            d = d.with(e.getKey(), read(e.getKey(), e.getValue()));
        }
        return d;
    }

    private static Object read(String key, JsonNode v) {
        if (v.isTextual()) {
            return v.asText();
        }
        if (v.isBoolean()) {
            return v.asBoolean();
        }
        if (v.isIntegralNumber()) {
            return v.canConvertToInt() ? (Object) v.asInt() : (Object) v.asLong();
        }
        if (v.isNumber()) {
            return v.asDouble();
        }
        if (v.isArray()) {
            List<Object> list = new ArrayList<>();
            v.forEach(e -> list.add(read(key, e)));
            return list;
        }
        throw new IllegalArgumentException("configuration '" + key + "' has an unsupported value " + v);
    }

    static ArrayNode shape(Shape shape) {
        ArrayNode a = JsonNodeFactory.instance.arrayNode();
        for (int d : shape.dims()) {
            a.add(d);
        }
        return a;
    }

    /** A shape from a JSON array of positive ints. */
    static Shape shape(JsonNode node) {
        if (!node.isArray() || node.isEmpty()) {
            throw new IllegalArgumentException("shape " + node + " is not a non-empty array");
        }
        int[] dims = new int[node.size()];
        for (int i = 0; i < dims.length; i++) {
            if (!node.get(i).canConvertToInt()) {
                throw new IllegalArgumentException("shape " + node + " has a dimension that is not an int");
            }
            dims[i] = node.get(i).asInt();
        }
        return Shape.of(dims);
    }

    static long[] longs(Shape shape) {
        return shape.toList().stream().mapToLong(Integer::longValue).toArray();
    }
}
