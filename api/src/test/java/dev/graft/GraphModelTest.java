package dev.graft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.conformance.GraphModels;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The graph form of {@link Model}: edges, validation, cuts, slices and {@link Transfer} on graphs. */
class GraphModelTest {

    private final Model residual = GraphModels.residual(3, 2);

    @Test
    void edgesResolveAndAChainIsRecognised() {
        assertFalse(residual.isChain());
        assertEquals(List.of("conv_b", "stem"), residual.inputsOf("add"));
        assertEquals(List.of("conv_a", "add"), residual.consumersOf("stem"));
        assertEquals(List.of(), residual.inputsOf("image"));
        assertEquals(List.of(), residual.consumersOf("out"));
        assertEquals(List.of(Shape.of(6, 6, 3)), residual.inputShapes());
        Model chain = Model.builder(4, 1).dense("a", 3, Activation.RELU).dense("b", 2, Activation.IDENTITY).build();
        assertTrue(chain.isChain());
        assertEquals(List.of("a"), chain.inputsOf("b"));
        assertEquals(List.of(), chain.inputsOf("a"));
        Model explicit = new Model(chain.layers(), Map.of("b", List.of("a")));
        assertTrue(explicit.isChain(), "explicit edges that form a chain are a chain");
        Model withInput = new Model(List.of(new InputLayer("in", Shape.vector(4)), chain.layer(0), chain.layer(1)));
        assertTrue(withInput.isChain(), "an input layer may come first in a chain");
    }

    @Test
    void severalInputsConcatenateInListOrder() {
        Model two = GraphModels.twoInputs(1, 2);
        assertEquals(List.of(Shape.vector(4), Shape.vector(3)), two.inputShapes());
        assertEquals(7, two.inputWidth());
        assertEquals(Shape.vector(7), two.inputShape());
    }

    @Test
    void badGraphsAreRefusedNamingTheLayers() {
        Layer a = Dense.spec("a", 3, Activation.RELU).create(Shape.vector(4), new SplittableRandom(1));
        Layer b = Dense.spec("b", 3, Activation.RELU).create(Shape.vector(3), new SplittableRandom(2));
        Layer c = Dense.spec("c", 3, Activation.RELU).create(Shape.vector(3), new SplittableRandom(3));
        Layer add = new Add("add", List.of(Shape.vector(3), Shape.vector(3)));

        IllegalArgumentException dangling = assertThrows(IllegalArgumentException.class,
                () -> new Model(List.of(a, b, c), Map.of("c", List.of("a"))));
        assertTrue(dangling.getMessage().contains("'b' feeds no layer"), dangling.getMessage());

        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> new Model(List.of(a, b), Map.of("b", List.of("nope"))));
        assertTrue(unknown.getMessage().contains("'b' takes input from 'nope', which is not a layer"), unknown.getMessage());

        IllegalArgumentException forward = assertThrows(IllegalArgumentException.class,
                () -> new Model(List.of(a, b, c), Map.of("b", List.of("c"), "c", List.of("a"))));
        assertTrue(forward.getMessage().contains("'b' takes input from 'c', which comes after it"), forward.getMessage());

        Layer wide = Dense.spec("wide", 5, Activation.RELU).create(Shape.vector(4), new SplittableRandom(4));
        Layer add2 = new Add("add", List.of(Shape.vector(3), Shape.vector(3)));
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> new Model(List.of(new InputLayer("in", Shape.vector(4)), a, wide, add2),
                        Map.of("a", List.of("in"), "wide", List.of("in"), "add", List.of("a", "wide"))));
        assertTrue(shape.getMessage().contains("'add' takes shape [3] as input 1, but layer 'wide' feeding it gives [5]"),
                shape.getMessage());

        IllegalArgumentException count = assertThrows(IllegalArgumentException.class,
                () -> new Model(List.of(a, add), Map.of("add", List.of("a"))));
        assertTrue(count.getMessage().contains("'add' takes 2 input(s)"), count.getMessage());

        IllegalArgumentException notALayer = assertThrows(IllegalArgumentException.class,
                () -> new Model(List.of(a, b), Map.of("ghost", List.of("a"))));
        assertTrue(notALayer.getMessage().contains("'ghost'"), notALayer.getMessage());

        assertThrows(IllegalArgumentException.class, () -> new Concatenate("j", List.of(Shape.of(2, 2, 3), Shape.of(2, 3, 3)), -1));
        assertThrows(IllegalArgumentException.class, () -> new Add("s", List.of(Shape.vector(2), Shape.vector(3))));
    }

    @Test
    void cutsAreWhereOneTensorCrosses() {
        // image stem conv_a bn_a relu_a conv_b add relu pool out
        assertTrue(residual.isCut(0));
        assertTrue(residual.isCut(2), "above the stem only its output crosses (twice)");
        assertFalse(residual.isCut(3));
        assertEquals(Optional.of("stem"), residual.cutBlocker(3));
        assertFalse(residual.isCut(6));
        assertTrue(residual.isCut(7), "above the add");
        assertTrue(residual.isCut(residual.size()));

        Model frozen = Transfer.from(residual).freezeThrough("relu_a").build();
        assertEquals(2, frozen.frozenPrefixLength(), "the frozen part ends mid-block: the cut falls back to the stem");
        Model frozenBlock = Transfer.from(residual).freezeThrough("add").build();
        assertEquals(7, frozenBlock.frozenPrefixLength());
        assertEquals(0, residual.frozenPrefixLength(), "an input layer alone is not worth caching");

        Model two = GraphModels.twoInputs(1, 2);
        assertFalse(two.isCut(1), "the second input is above the cut");
        assertEquals(Optional.of("b"), two.cutBlocker(1));
    }

    @Test
    void slicesAtCutsConcatenateBackToTheModel() {
        Model bottom = residual.slice(0, 2);
        Model top = residual.slice(2, residual.size());
        assertEquals(List.of("image", "stem"), bottom.names());
        assertTrue(top.layer(0) instanceof InputLayer, "the stem's output feeds two layers of the top: it becomes an input");
        assertEquals("stem", top.layer(0).name());
        assertEquals(List.of("conv_b", "stem"), top.inputsOf("add"));
        Model whole = bottom.concat(top);
        assertEquals(residual.names(), whole.names());
        assertEquals(residual.inbound(), whole.inbound());

        Model head = residual.slice(7, residual.size());
        assertTrue(head.isChain());
        assertEquals(List.of("relu", "pool", "out"), head.names(), "a single consumer takes the cut as the model's input");
        assertEquals(residual.inbound(), residual.slice(0, 7).concat(head).inbound());

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> residual.slice(0, 4));
        assertTrue(e.getMessage().contains("'stem' also feeds a layer above it"), e.getMessage());
    }

    @Test
    void transferKeepsAndFreezesAncestors() {
        Model base = Transfer.from(residual).keepThrough("add").build();
        assertEquals("add", base.layer(base.size() - 1).name());
        assertFalse(base.find("pool").isPresent());
        Model cut = Transfer.from(residual).keepThrough("pool").freezeThrough("add")
                .add(Dense.spec("head", 3, Activation.SOFTMAX)).build();
        assertEquals(List.of("image", "stem", "conv_a", "bn_a", "relu_a", "conv_b", "add", "relu", "pool", "head"), cut.names());
        for (String name : List.of("stem", "conv_a", "bn_a", "conv_b", "add")) {
            assertFalse(cut.layer(name).trainable(), name);
        }
        assertTrue(cut.layer("relu").trainable());
        assertEquals(7, cut.frozenPrefixLength());
        assertTrue(residual.layers().stream().filter(l -> !(l instanceof InputLayer)).allMatch(Layer::trainable),
                "the source is untouched");

        Model branch = Transfer.from(GraphModels.branches(1, 2)).keepThrough("left").build();
        assertEquals(List.of("x", "trunk", "left"), branch.names(), "the other branch and the join are not ancestors");

        Model matched = Transfer.from(residual).freezeMatching("conv_").build();
        assertFalse(matched.layer("conv_a").trainable());
        assertFalse(matched.layer("conv_b").trainable());
        assertTrue(matched.layer("stem").trainable());
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> Transfer.from(residual).keepThrough("stem").freezeMatching("conv_").build());
        assertTrue(none.getMessage().contains("no kept layer"), none.getMessage());
    }

    @Test
    void descriptionsRecreateMergeLayers() {
        Concatenate join = new Concatenate("join", List.of(Shape.of(2, 2, 3), Shape.of(2, 2, 5)), -1);
        Layer again = LayerTypes.create("join", join.inputShape(), join.description(), Map.of(), true);
        assertEquals(join.inputShapes(), again.inputShapes());
        assertEquals(Shape.of(2, 2, 8), again.outputShape());
        Add add = new Add("s", List.of(Shape.vector(3), Shape.vector(3), Shape.vector(3)));
        assertEquals(add.inputShapes(), LayerTypes.create("s", add.inputShape(), add.description(), Map.of(), true).inputShapes());
        Layer in = LayerTypes.create("i", Shape.of(3, 3, 1), new InputLayer("i", Shape.of(3, 3, 1)).description(), Map.of(), true);
        assertFalse(in.trainable(), "an input is always frozen");
        Map<String, List<String>> inbound = new LinkedHashMap<>(residual.inbound());
        assertEquals(residual.names(), new Model(residual.layers(), inbound).names());
    }
}
