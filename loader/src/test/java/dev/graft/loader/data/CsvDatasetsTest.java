package dev.graft.loader.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.data.Dataset;
import dev.graft.loader.ModelFileException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvDatasetsTest {

    @Test
    void labelByNameWithStringClasses(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("iris.csv");
        Files.writeString(f, "a,b,species,c\n1,2,setosa,3\n4,5,virginica,6\n\n7,8,setosa,9\n");
        Dataset d = CsvDatasets.read(f, CsvDatasets.Options.classification("species"));
        assertEquals(3, d.size());
        assertEquals(3, d.width());
        assertEquals(2, d.classes());
        assertArrayEquals(new int[] {0, 1, 0}, d.labels());
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, d.features());
    }

    @Test
    void labelByIndexWithoutHeaderAndRegression(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("r.csv");
        Files.writeString(f, "0.5;1;2\n1.5;3;4\n");
        Dataset d = CsvDatasets.read(f, CsvDatasets.Options.regression("0").withoutHeader().delimiter(';'));
        assertEquals(2, d.width());
        assertEquals(1, d.targetWidth());
        Dataset c = CsvDatasets.read(f, new CsvDatasets.Options(false, ';', "-1", false));
        assertArrayEquals(new float[] {0.5f, 1, 1.5f, 3}, c.features());
    }

    @Test
    void malformedRowNamesFileAndLine(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("bad.csv");
        Files.writeString(f, "x,y,label\n1,2,0\n3,oops,1\n");
        ModelFileException e = assertThrows(ModelFileException.class,
                () -> CsvDatasets.read(f, CsvDatasets.Options.classification("label")));
        assertTrue(e.getMessage().contains("bad.csv") && e.getMessage().contains("line 3") && e.getMessage().contains("oops"),
                e.getMessage());
        Files.writeString(f, "x,y,label\n1,2,0\n3,1\n");
        ModelFileException cols = assertThrows(ModelFileException.class,
                () -> CsvDatasets.read(f, CsvDatasets.Options.classification("label")));
        assertTrue(cols.getMessage().contains("line 3") && cols.getMessage().contains("2 columns"), cols.getMessage());
        ModelFileException name = assertThrows(ModelFileException.class,
                () -> CsvDatasets.read(f, CsvDatasets.Options.classification("target")));
        assertTrue(name.getMessage().contains("target"), name.getMessage());
    }

    @Test
    void aByteOrderMarkIsNotPartOfTheFirstColumnsName(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("bom.csv");
        Files.write(f, ("\uFEFFlabel,a,b\n0,1,2\n1,3,4\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        Dataset d = CsvDatasets.read(f, CsvDatasets.Options.classification("label"));
        assertArrayEquals(new int[] {0, 1}, d.labels());
        assertArrayEquals(new float[] {1, 2, 3, 4}, d.features());
    }

    @Test
    void textThatIsNotUtf8NamesFileLineAndFix(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("latin1.csv");
        StringBuilder rows = new StringBuilder("a,b,label\n");
        for (int i = 0; i < 3000; i++) { // far past the reader's buffer, so the line is found, not guessed
            rows.append(i).append(",1,0\n");
        }
        byte[] head = rows.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] bad = "7,caf\u00e9,1\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        byte[] all = java.util.Arrays.copyOf(head, head.length + bad.length);
        System.arraycopy(bad, 0, all, head.length, bad.length);
        Files.write(f, all);
        ModelFileException e = assertThrows(ModelFileException.class,
                () -> CsvDatasets.read(f, CsvDatasets.Options.classification("label")));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("line 3002")
                && e.getMessage().contains("byte 0xe9") && e.getMessage().contains("save the file as UTF-8"), e.getMessage());
    }
}
