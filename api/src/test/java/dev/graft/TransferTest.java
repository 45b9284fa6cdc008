package dev.graft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class TransferTest {

    private final Model seed = Model.builder(500, 1)
            .dense("hidden1", 300, Activation.RELU)
            .dense("hidden2", 100, Activation.RELU)
            .dense("hidden3", 50, Activation.RELU)
            .dense("output", 5, Activation.IDENTITY)
            .build();

    @Test
    void seedSurgeryCopiesFreezesAndReplacesTheHead() {
        Model t = Transfer.from(seed).keepThrough("hidden3").freezeThrough("hidden2")
                .add(Dense.spec("output", 5, Activation.IDENTITY)).seed(42).build();
        assertEquals(List.of("hidden1", "hidden2", "hidden3", "output"), t.names());
        assertFalse(t.layer("hidden1").trainable());
        assertFalse(t.layer("hidden2").trainable());
        assertTrue(t.layer("hidden3").trainable());
        assertTrue(t.layer("output").trainable());
        assertEquals(2, t.frozenPrefixLength());
        for (String copied : new String[] {"hidden1", "hidden2", "hidden3"}) {
            assertTrue(((Dense) t.layer(copied)).sameParameters((Dense) seed.layer(copied)), copied + " must be a copy");
        }
        assertFalse(((Dense) t.layer("output")).sameParameters((Dense) seed.layer("output")), "the head must be fresh");
        assertTrue(seed.layers().stream().allMatch(Layer::trainable), "the source model must be untouched");
    }

    @Test
    void sameSeedGivesBitIdenticalHeadsAndAnotherSeedDoesNot() {
        Transfer a = Transfer.from(seed).dropTop(1).add(Dense.spec("out", 7, Activation.SOFTMAX));
        Dense h1 = (Dense) a.seed(9).build().layer("out");
        Dense h2 = (Dense) Transfer.from(seed).dropTop(1).add(Dense.spec("out", 7, Activation.SOFTMAX)).seed(9).build().layer("out");
        Dense h3 = (Dense) Transfer.from(seed).dropTop(1).add(Dense.spec("out", 7, Activation.SOFTMAX)).seed(10).build().layer("out");
        assertTrue(h1.sameParameters(h2));
        assertFalse(h1.sameParameters(h3));
    }

    @Test
    void replaceOutputKeepsNameAndActivationWithNewWidth() {
        Model t = Transfer.from(seed).replaceOutput(3).build();
        Dense out = (Dense) t.layer("output");
        assertEquals(3, out.outputWidth());
        assertEquals(50, out.inputWidth());
        assertEquals(Activation.IDENTITY, out.activation());
    }

    @Test
    void freezeInTheMiddleAndUnfreeze() {
        Model t = Transfer.from(seed).freeze("hidden2").build();
        assertEquals(0, t.frozenPrefixLength());
        assertFalse(t.layer("hidden2").trainable());
        Model u = Transfer.from(t).unfreeze("hidden2").build();
        assertTrue(u.layer("hidden2").trainable());
        assertNotSame(t, u);
    }

    @Test
    void aNewLayerThatDoesNotFitNamesBothLayersAndWidths() {
        Dense wrong = new Dense("head", 40, 5, Activation.IDENTITY, new float[200], new float[5]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Transfer.from(seed).keepThrough("hidden3").add(wrong).build());
        assertTrue(e.getMessage().contains("'head'") && e.getMessage().contains("40")
                && e.getMessage().contains("'hidden3'") && e.getMessage().contains("50"), e.getMessage());
    }

    @Test
    void unknownLayerAndFreezingAboveTheCutAreClearErrors() {
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> Transfer.from(seed).keepThrough("hidden9"));
        assertTrue(unknown.getMessage().contains("hidden9") && unknown.getMessage().contains("hidden3"), unknown.getMessage());
        IllegalArgumentException above = assertThrows(IllegalArgumentException.class,
                () -> Transfer.from(seed).keepThrough("hidden2").freezeThrough("hidden3").build());
        assertTrue(above.getMessage().contains("hidden3") && above.getMessage().contains("hidden2"), above.getMessage());
    }

    @Test
    void modelsRejectBrokenChainsAndBadParameters() {
        Dense a = new Dense("a", 4, 3, Activation.RELU, new float[12], new float[3]);
        Dense b = new Dense("b", 2, 1, Activation.RELU, new float[2], new float[1]);
        IllegalArgumentException chain = assertThrows(IllegalArgumentException.class, () -> new Model(List.of(a, b)));
        assertTrue(chain.getMessage().contains("'b' takes 2") && chain.getMessage().contains("'a' below it gives 3"), chain.getMessage());
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> new Dense("w", 4, 3, Activation.RELU, new float[11], new float[3]));
        assertTrue(shape.getMessage().contains("'w'") && shape.getMessage().contains("4 x 3"), shape.getMessage());
        float[] nan = new float[12];
        nan[5] = Float.NaN;
        IllegalArgumentException notFinite = assertThrows(IllegalArgumentException.class,
                () -> new Dense("n", 4, 3, Activation.RELU, nan, new float[3]));
        assertTrue(notFinite.getMessage().contains("weights[5] is NaN"), notFinite.getMessage());
    }

    @Test
    void layersAreImmutableThroughTheirAccessors() {
        Dense d = (Dense) seed.layer("output");
        float[] w = d.weights();
        w[0] += 1;
        assertFalse(w[0] == d.weights()[0], "mutating a returned array must not change the layer");
    }
}
