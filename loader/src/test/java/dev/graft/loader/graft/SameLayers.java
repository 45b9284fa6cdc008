package dev.graft.loader.graft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.graft.Layer;
import dev.graft.Model;
import dev.graft.Parameter;

/** The round-trip check of Graft's format tests: a model read back has the same layers, bit for bit. */
final class SameLayers {

    private SameLayers() {
    }

    /**
     * Asserts that {@code back} has {@code model}'s layers in order, each of the same class, description,
     * trainability, shapes and parameters, with bit-identical parameter values (state included).
     */
    static void assertSameLayers(Model model, Model back) {
        assertEquals(model.names(), back.names());
        for (int i = 0; i < model.size(); i++) {
            Layer a = model.layer(i);
            Layer b = back.layer(i);
            assertEquals(a.getClass(), b.getClass(), a.name());
            assertEquals(a.description(), b.description(), a.name());
            assertEquals(a.trainable(), b.trainable(), a.name());
            assertEquals(a.inputShape(), b.inputShape(), a.name());
            assertEquals(a.outputShape(), b.outputShape(), a.name());
            assertEquals(a.parameters(), b.parameters(), a.name());
            for (Parameter p : a.parameters()) {
                assertArrayEquals(a.parameterValues(p.name()), b.parameterValues(p.name()), a.name() + "." + p.name());
            }
        }
    }
}
