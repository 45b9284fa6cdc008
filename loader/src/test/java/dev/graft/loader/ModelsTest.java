package dev.graft.loader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Format detection and the inspect view over every shared fixture. */
class ModelsTest {

    private static String shape(LoadedModel lm) {
        StringBuilder sb = new StringBuilder().append(lm.model().inputWidth());
        lm.model().layers().forEach(l -> sb.append(' ').append(l.outputWidth()));
        return sb.toString();
    }

    @Test
    void everyFixtureLoadsThroughTheFacade() throws Exception {
        Path mnist = Fixtures.mnistDir();
        assertEquals("784 128 32 10", shape(Models.load(mnist)));
        assertEquals("784 128 32 10", shape(Models.load(mnist.resolve("checkpoint"))));
        assertEquals("784 128 32 10", shape(Models.load(mnist.resolve("model.ckpt-1999"))));
        assertEquals("784 128 32 10", shape(Models.load(mnist.resolve("model.ckpt-1999.index"))));
        assertEquals(ModelFormat.TF_CHECKPOINT, Models.load(Fixtures.slatteryPrefix()).report().format());
        LoadedModel sm = Models.load(Fixtures.savedModelDir());
        assertEquals(ModelFormat.TF_SAVED_MODEL, sm.report().format());
        assertEquals("3 500 200 50 1", shape(sm));
        assertEquals("3 500 200 50 1", shape(Models.load(Fixtures.savedModelDir().resolve("saved_model.pb"))));
        assertEquals("4 20 3", shape(Models.load(Fixtures.kerasH5("iris_model.h5"))));
        assertEquals(ModelFormat.KERAS_H5, Models.load(Fixtures.kerasH5("model_keras_1.h5")).report().format());
    }

    @Test
    void inspectShowsLayersParametersAndSkippedVariables() throws Exception {
        ModelSummary s = ModelSummary.inspect(Fixtures.savedModelDir());
        assertEquals(4, s.layers().size());
        assertEquals(3 * 500 + 500, s.layers().get(0).parameters());
        assertEquals(2000 + 100_200 + 10_050 + 51, s.parameters());
        assertEquals("relu", s.layers().get(1).activation());
        String table = s.toTable();
        assertTrue(table.contains("dense_1") && table.contains("500 -> 200") && table.contains("total parameters: 112301"), table);
        assertTrue(table.contains("skipped variables (24)") && table.contains("optimizer/iter/.ATTRIBUTES/VARIABLE_VALUE"), table);
    }

    @Test
    void unknownFilesAreRefusedByName(@TempDir Path tmp) throws Exception {
        Path txt = tmp.resolve("notes.txt");
        Files.writeString(txt, "hello");
        ModelFileException e = assertThrows(ModelFileException.class, () -> Models.load(txt));
        assertTrue(e.getMessage().contains("notes.txt"), e.getMessage());
        ModelFileException missing = assertThrows(ModelFileException.class, () -> Models.load(tmp.resolve("nothing")));
        assertTrue(missing.getMessage().contains("nothing"), missing.getMessage());
    }
}
