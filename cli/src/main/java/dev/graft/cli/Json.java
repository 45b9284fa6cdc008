package dev.graft.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.graft.Layer;
import dev.graft.Model;
import dev.graft.train.EpochStats;
import dev.graft.train.Evaluation;
import dev.graft.train.History;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The {@code --json} shapes: plain maps and lists (NaN becomes null), written by Jackson. */
final class Json {

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Json() {
    }

    static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON: " + e.getMessage(), e);
        }
    }

    /** A JSON object builder that keeps insertion order. */
    static Map<String, Object> object() {
        return new LinkedHashMap<>();
    }

    static Double number(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? null : v;
    }

    static List<Map<String, Object>> layers(Model model) {
        List<Map<String, Object>> layers = new ArrayList<>();
        for (Layer layer : model.layers()) {
            Map<String, Object> l = object();
            l.put("name", layer.name());
            // Driven by the layer's description: its type, then its configuration (units are "outputs" below).
            l.put("kind", layer.description().type());
            layer.description().config().forEach((key, value) -> {
                if (!key.equals("units")) {
                    l.put(key, value);
                }
            });
            l.put("inputShape", layer.inputShape().toList());
            l.put("outputShape", layer.outputShape().toList());
            l.put("inputs", layer.inputWidth());
            l.put("outputs", layer.outputWidth());
            l.put("parameters", layer.parameterCount());
            l.put("trainable", layer.trainable());
            layers.add(l);
        }
        return layers;
    }

    static Map<String, Object> history(History history) {
        List<Map<String, Object>> epochs = new ArrayList<>();
        for (EpochStats e : history.epochs()) {
            Map<String, Object> m = object();
            m.put("epoch", e.epoch());
            m.put("trainLoss", number(e.trainLoss()));
            m.put("trainAccuracy", number(e.trainAccuracy()));
            m.put("validationLoss", number(e.validationLoss()));
            m.put("validationAccuracy", number(e.validationAccuracy()));
            m.put("seconds", e.seconds());
            m.put("samples", e.samples());
            epochs.add(m);
        }
        Map<String, Object> h = object();
        h.put("epochs", epochs);
        h.put("returnedEpoch", history.returnedEpoch());
        h.put("stoppedEarly", history.stoppedEarly());
        return h;
    }

    static Map<String, Object> evaluation(Evaluation e) {
        Map<String, Object> m = object();
        m.put("samples", e.samples());
        m.put("accuracy", number(e.accuracy()));
        m.put("loss", number(e.loss()));
        m.put("confusion", e.confusion());
        return m;
    }
}
