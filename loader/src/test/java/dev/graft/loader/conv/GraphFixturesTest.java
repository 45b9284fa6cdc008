package dev.graft.loader.conv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Layer;
import dev.graft.Model;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Keras functional (graph) models generated with Keras itself ({@code gen_graph_models.py}) load as Graft graphs
 * with Keras's wiring, and Graft's forward pass on the reference backend matches Keras's own outputs within 1e-4
 * relative (the other backends: {@code ConvFixturesAcrossBackendsTest} in the CLI module).
 */
class GraphFixturesTest {

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', value = {
        "keras3-resnet|model.keras||18|block0_add <- stem_relu + block0_conv2; block1_add <- block1_project + block1_conv2; concat <- block1_out + side",
        "keras3-resnet|model.h5||18|block0_add <- stem_relu + block0_conv2; block1_add <- block1_project + block1_conv2; concat <- block1_out + side",
        "keras2-resnet-weights-json|model.weights.h5|model.json|18|block0_add <- stem_relu + block0_conv2; block1_add <- block1_project + block1_conv2; concat <- block1_out + side",
        "keras3-inception|model.keras||14|mixed <- branch1x1 + branch3x3 + branch5x5 + branch_pool_proj; sum3 <- branch1x1 + branch3x3 + branch_pool_proj; features <- gap + gmax",
        "keras3-two-inputs|model.keras||7|joined <- gap + meta_dense",
        "keras3-two-inputs|model.h5||7|joined <- gap + meta_dense",
        "keras3-nested-functional|model.keras||8|base_add <- base_bn + base_branch",
        "keras3-nested-functional|model.h5||8|base_add <- base_bn + base_branch",
        "keras3-mobilenetv2-tm|model.h5||158|block_2_add <- block_1_project_BN + block_2_project_BN; block_16_project_BN <- block_16_project",
    })
    void loadsWithKerasWiringAndMatchesKeras(String name, String file, String architecture, int layers, String wiring)
            throws Exception {
        FrameworkFixture f = FrameworkFixture.of(name, file, architecture);
        Model m = f.load().model();
        assertFalse(m.isChain(), name + " is a graph");
        assertEquals(layers, m.size(), name + " layers: " + m.names());
        List<String> edges = new ArrayList<>();
        for (String edge : wiring.split("; ")) {
            String layer = edge.substring(0, edge.indexOf(" <- "));
            edges.add(layer + " <- " + String.join(" + ", m.inputsOf(layer)));
        }
        assertEquals(wiring, String.join("; ", edges), name + " wiring");
        double err = f.maxRelativeErrorOnReference(m);
        System.out.printf("%s %s: %d layers, max relative error vs Keras on reference: %.2e%n", name, file, m.size(), err);
        assertTrue(err <= ConvFixturesTest.TOLERANCE, name + ": max relative error " + err);
    }

    static String summary(Model m) {
        StringBuilder sb = new StringBuilder();
        for (Layer l : m.layers()) {
            sb.append(l.name()).append(' ').append(l.description().type()).append(" <- ").append(m.inputsOf(l.name())).append('\n');
        }
        return sb.toString();
    }
}
