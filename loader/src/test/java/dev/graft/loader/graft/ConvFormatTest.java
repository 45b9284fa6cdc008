package dev.graft.loader.graft;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.graft.Activation;
import dev.graft.Conv2D;
import dev.graft.ConvWindow;
import dev.graft.DepthwiseConv2D;
import dev.graft.GlobalMaxPooling2D;
import dev.graft.MaxPool2D;
import dev.graft.Model;
import dev.graft.Shape;
import dev.graft.Transfer;
import dev.graft.loader.LoadReport;
import dev.graft.loader.LoadedModel;
import dev.graft.loader.ModelFormat;
import dev.graft.loader.ModelSummary;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Convolutional layer types in Graft's format and in the summary: every type saves and loads bit
 * for bit with its configuration (strides, padding, dilation, bias or none, frozen or not), and
 * {@code graft inspect}'s rows show per-layer image shapes.
 */
class ConvFormatTest {

    /** Every convolutional layer type, frozen through the depthwise convolution. */
    private static Model cnn() {
        Model m = Model.builder(Shape.of(28, 28, 1), 7)
                .zeroPadding("pad", 1)
                .add(Conv2D.spec("conv1", 8, ConvWindow.of(3).strides(2).same(), Activation.RELU).withoutBias())
                .add(DepthwiseConv2D.spec("dw", ConvWindow.of(3).dilation(2).same(), Activation.TANH).multiplier(2))
                .add(MaxPool2D.spec("pool1", ConvWindow.of(3).strides(2).same()))
                .avgPool("pool2", 2)
                .conv2d("conv2", 4, 1, Activation.SIGMOID)
                .add(GlobalMaxPooling2D.spec("gmp"))
                .dense("out", 3, Activation.SOFTMAX)
                .build();
        return Transfer.from(m).freezeThrough("dw").build();
    }

    @Test
    void everyConvLayerTypeRoundTripsBitForBit(@TempDir Path dir) throws Exception {
        Model[] models = {cnn(), Model.builder(Shape.of(9, 7, 3), 8).conv2d("c", 2, 5, Activation.ELU)
                .globalAvgPool("gap").build(), Model.builder(Shape.of(9, 7, 3), 8).flatten("flat").dense("d", 2,
                Activation.RELU).build()};
        for (Model model : models) {
            Path file = dir.resolve(model.layer(0).name() + ".safetensors");
            GraftFormat.write(model, file);
            Model back = GraftFormat.read(file).model();
            SameLayers.assertSameLayers(model, back);
        }
    }

    @Test
    void theSummaryShowsEachLayersImageShapes() {
        ModelSummary s = ModelSummary.of(new LoadedModel(cnn(),
                new LoadReport(Path.of("cnn"), ModelFormat.GRAFT, List.of(), List.of(), List.of())));
        // Shapes worked out by hand with TF's rules: same -> ceil(in / stride), valid -> ceil((in - k + 1) / stride).
        assertEquals(List.of("[28, 28, 1]", "[30, 30, 1]", "[15, 15, 8]", "[15, 15, 16]", "[8, 8, 16]", "[4, 4, 16]",
                        "[4, 4, 4]", "[4]"),
                s.layers().stream().map(ModelSummary.Row::inputShape).toList());
        assertEquals(List.of("[30, 30, 1]", "[15, 15, 8]", "[15, 15, 16]", "[8, 8, 16]", "[4, 4, 16]", "[4, 4, 4]",
                        "[4]", "[3]"),
                s.layers().stream().map(ModelSummary.Row::outputShape).toList());
        assertEquals(3 * 3 * 8, s.layers().get(1).parameters(), "conv1 without bias: kernel only");
        assertEquals(3 * 3 * 8 * 2 + 16, s.layers().get(2).parameters(), "depthwise kernel and bias");
        assertEquals(List.of(false, false, false, true, true, true, true, true),
                s.layers().stream().map(ModelSummary.Row::trainable).toList());
        String table = s.toTable();
        assertEquals(true, table.contains("[28, 28, 1] -> [30, 30, 1]") && table.contains("[4, 4, 4] -> [4]"), table);
    }
}
