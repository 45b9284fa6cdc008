package dev.graft.loader.keras;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.loader.ModelFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Keras functional configs at the config level: both spellings of {@code inbound_nodes} give the same wiring, and
 * what Graft's graphs cannot run is refused with the layer's name and the reason.
 */
class KerasGraphConfigTest {

    private static final Path FILE = Path.of("model.h5");

    /** A Keras 2 functional model: {@code layers} as "name:Class:input,input" (an InputLayer has none). */
    private static String keras2(String outputs, String... layers) {
        List<String> json = new ArrayList<>();
        List<String> inputs = new ArrayList<>();
        for (String spec : layers) {
            String[] p = spec.split(":", -1);
            StringBuilder nodes = new StringBuilder("[");
            if (!p[2].isEmpty()) {
                nodes.append('[');
                String sep = "";
                for (String in : p[2].split(",")) {
                    String[] ref = in.split("@");
                    nodes.append(sep).append("[\"").append(ref[0]).append("\", ").append(ref.length > 1 ? ref[1] : "0")
                            .append(", 0, {}]");
                    sep = ", ";
                }
                nodes.append(']');
            }
            nodes.append(']');
            if (p[1].equals("InputLayer")) {
                inputs.add("[\"" + p[0] + "\", 0, 0]");
            }
            json.add("{\"class_name\": \"" + p[1] + "\", \"name\": \"" + p[0] + "\", \"config\": {\"name\": \"" + p[0] + "\", "
                    + config(p[1]) + "}, \"inbound_nodes\": " + nodes + "}");
        }
        StringBuilder out = new StringBuilder();
        for (String o : outputs.split(",")) {
            out.append(out.length() == 0 ? "" : ", ").append("[\"").append(o).append("\", 0, 0]");
        }
        return "{\"class_name\": \"Model\", \"config\": {\"name\": \"m\", \"layers\": [" + String.join(", ", json)
                + "], \"input_layers\": [" + String.join(", ", inputs) + "], \"output_layers\": [" + out + "]}}";
    }

    private static String config(String cls) {
        return switch (cls) {
            case "InputLayer" -> "\"batch_input_shape\": [null, 4, 4, 2]";
            case "Conv2D" -> "\"filters\": 2, \"kernel_size\": [1, 1], \"activation\": \"linear\"";
            case "Dense" -> "\"units\": 3, \"activation\": \"softmax\"";
            case "Concatenate" -> "\"axis\": -1";
            default -> "\"activation\": \"relu\"";
        };
    }

    private static Map<String, List<String>> wiring(String json) throws ModelFileException {
        return KerasConfig.parse(FILE, json).inbound();
    }

    private static String refusal(String json) {
        return assertThrows(ModelFileException.class, () -> KerasConfig.parse(FILE, json)).getMessage();
    }

    @Test
    void keras2AndKeras3SpellingsGiveTheSameWiring() throws Exception {
        String k2 = keras2("out", "in:InputLayer:", "a:Conv2D:in", "b:Conv2D:in", "sum:Add:a,b", "act:Activation:sum",
                "flat:Flatten:act", "out:Dense:flat");
        String k3 = """
                {"class_name": "Functional", "config": {"name": "m", "layers": [
                  {"class_name": "InputLayer", "name": "in", "config": {"name": "in", "batch_shape": [null, 4, 4, 2]}, "inbound_nodes": []},
                  {"class_name": "Conv2D", "name": "a", "config": {"name": "a", "filters": 2, "kernel_size": [1, 1]},
                   "inbound_nodes": [{"args": [%s], "kwargs": {}}]},
                  {"class_name": "Conv2D", "name": "b", "config": {"name": "b", "filters": 2, "kernel_size": [1, 1]},
                   "inbound_nodes": [{"args": [%s], "kwargs": {"training": false}}]},
                  {"class_name": "Add", "name": "sum", "config": {"name": "sum"}, "inbound_nodes": [{"args": [[%s, %s]], "kwargs": {}}]},
                  {"class_name": "Activation", "name": "act", "config": {"name": "act", "activation": "relu"},
                   "inbound_nodes": [{"args": [%s], "kwargs": {}}]},
                  {"class_name": "Flatten", "name": "flat", "config": {"name": "flat"}, "inbound_nodes": [{"args": [%s], "kwargs": {}}]},
                  {"class_name": "Dense", "name": "out", "config": {"name": "out", "units": 3, "activation": "softmax"},
                   "inbound_nodes": [{"args": [%s], "kwargs": {}}]}
                ], "input_layers": ["in", 0, 0], "output_layers": ["out", 0, 0]}}"""
                .formatted(t("in"), t("in"), t("a"), t("b"), t("sum"), t("act"), t("flat"));
        Map<String, List<String>> expected = Map.of("in", List.of(), "a", List.of("in"), "b", List.of("in"),
                "sum", List.of("a", "b"), "act", List.of("sum"), "flat", List.of("act"), "out", List.of("flat"));
        assertEquals(expected, wiring(k2));
        assertEquals(expected, wiring(k3));
    }

    private static String t(String layer) {
        return "{\"class_name\": \"__keras_tensor__\", \"config\": {\"shape\": [null, 4, 4, 2], \"keras_history\": [\"" + layer
                + "\", 0, 0]}}";
    }

    @Test
    void anActivationIsFoldedOnlyWhenNothingElseReadsTheLayerBelow() throws Exception {
        // 'a' feeds both the activation and the Add: the activation stays a layer of its own.
        Map<String, List<String>> w = wiring(keras2("out", "in:InputLayer:", "a:Conv2D:in", "r:Activation:a",
                "sum:Add:a,r", "flat:Flatten:sum", "out:Dense:flat"));
        assertEquals(List.of("a", "r"), w.get("sum"));
        // 'b' feeds only the activation: folded into 'b', and the Add reads 'b'.
        KerasConfig.Parsed p = KerasConfig.parse(FILE, keras2("out", "in:InputLayer:", "a:Conv2D:in", "b:Conv2D:in",
                "r:Activation:b", "sum:Add:a,r", "flat:Flatten:sum", "out:Dense:flat"));
        assertEquals(List.of("a", "b"), p.inbound().get("sum"));
        assertEquals("relu", p.entries().stream().filter(e -> e.recipe().name().equals("b")).findFirst().orElseThrow()
                .recipe().description().string("activation"));
    }

    @Test
    void aFunctionalChainIsAChainWithoutItsInputLayer() throws Exception {
        KerasConfig.Parsed p = KerasConfig.parse(FILE, keras2("out", "in:InputLayer:", "a:Conv2D:in", "r:Activation:a",
                "flat:Flatten:r", "out:Dense:flat"));
        assertTrue(p.inbound().isEmpty(), "a chain has no wiring: " + p.inbound());
        assertEquals(List.of("a", "flat", "out"), p.entries().stream().map(e -> e.recipe().name()).toList());
        assertEquals("[4, 4, 2]", p.entries().get(0).recipe().inputShape().toString());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "shared layer|a:Conv2D:in;b:Conv2D:a;c:Conv2D:a@1|c|call 1 of layer 'a'",
        "cycle|a:Conv2D:in,c;b:Conv2D:a;c:Conv2D:b|c|cycle",
        "unknown inbound|a:Conv2D:in;b:Conv2D:nowhere|b|'nowhere', which the model does not have",
        "several outputs|a:Conv2D:in;b:Conv2D:in|a,b|2 outputs",
        "unknown output|a:Conv2D:in|zzz|'zzz', which the model does not have",
        "op layer|a:Conv2D:in;b:TFOpLambda:a|b|TFOpLambda' is not supported (an operation applied to a tensor",
        "unsupported merge|a:Conv2D:in;b:Conv2D:in;m:Multiply:a,b|m|Graft runs Add and Concatenate",
        "merge of one|a:Conv2D:in;m:Add:a|m|merges 1 tensor(s)",
        "two tensors into a conv|a:Conv2D:in;b:Conv2D:in;c:Conv2D:a,b|c|takes 2 tensors",
        "dangling layer|a:Conv2D:in;b:Conv2D:in|b|not used by",
        "no inbound|a:Conv2D:in;b:Conv2D:|b|no inbound nodes",
    })
    void refusesWhatGraftsGraphsCannotRun(String what, String layers, String outputs, String message) {
        List<String> specs = new ArrayList<>(List.of("in:InputLayer:"));
        specs.addAll(List.of(layers.split(";")));
        String json = keras2(outputs, specs.toArray(String[]::new));
        String error = refusal(json);
        assertTrue(error.contains(message), what + ": " + error);
    }

    @Test
    void aLayerCalledTwiceIsRefusedAsShared() {
        String json = keras2("b", "in:InputLayer:", "a:Conv2D:in", "b:Conv2D:a").replace(
                "\"inbound_nodes\": [[[\"a\", 0, 0, {}]]]", "\"inbound_nodes\": [[[\"a\", 0, 0, {}]], [[\"in\", 0, 0, {}]]]");
        assertTrue(refusal(json).contains("layer 'b' is called 2 times (a shared layer"), refusal(json));
    }

    @Test
    void nestedModelsThatClashWithOuterNamesAreRefusedWithBothPaths() {
        String json = """
                {"class_name": "Sequential", "config": {"name": "outer", "layers": [
                  {"class_name": "InputLayer", "config": {"name": "input", "batch_input_shape": [null, 4]}},
                  {"class_name": "Dense", "config": {"name": "dense", "units": 3}},
                  {"class_name": "Sequential", "config": {"name": "inner", "layers": [
                    {"class_name": "Dense", "config": {"name": "dense", "units": 2}}]}}
                ]}}""";
        String e = refusal(json);
        assertTrue(e.contains("two layers are named 'dense'") && e.contains("model/dense") && e.contains("model/inner/dense"), e);
    }

    @Test
    void aTensorPassedAsAKeywordArgumentIsRefused() {
        String json = """
                {"class_name": "Functional", "config": {"name": "m", "layers": [
                  {"class_name": "InputLayer", "name": "in", "config": {"name": "in", "batch_shape": [null, 4]}, "inbound_nodes": []},
                  {"class_name": "Dense", "name": "d", "config": {"name": "d", "units": 2},
                   "inbound_nodes": [{"args": [%s], "kwargs": {"mask": %s}}]}
                ], "input_layers": [["in", 0, 0]], "output_layers": [["d", 0, 0]]}}""".formatted(t("in"), t("in"));
        assertTrue(refusal(json).contains("takes a tensor as a keyword argument"), refusal(json));
    }
}
