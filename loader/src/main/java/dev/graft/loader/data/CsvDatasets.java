package dev.graft.loader.data;

import dev.graft.data.Dataset;
import dev.graft.loader.ModelFileException;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads numeric CSV files into a {@link Dataset}: an optional header, one label column chosen by name
 * or index, every other column a float feature. Class labels may be integers {@code 0..k-1} or any
 * strings (numbered in order of first appearance); for regression the label column is the target.
 * A malformed row is reported with file and line number. Quoting is not supported (numeric data only).
 */
public final class CsvDatasets {

    /**
     * How to read a file: {@code labelColumn} is a header name or a 0-based index (negative counts from
     * the end), or null when every column is a feature ({@link #unlabelled()}: data to predict on).
     */
    public record Options(boolean header, char delimiter, String labelColumn, boolean classification) {

        /** Header row present, comma-separated, label in the last column, classification. */
        public static Options classification(String labelColumn) {
            return new Options(true, ',', labelColumn, true);
        }

        /** Header row present, comma-separated, every column a feature: an unlabelled dataset. */
        public static Options unlabelled() {
            return new Options(true, ',', null, false);
        }

        public static Options regression(String labelColumn) {
            return new Options(true, ',', labelColumn, false);
        }

        public Options withoutHeader() {
            return new Options(false, delimiter, labelColumn, classification);
        }

        public Options delimiter(char d) {
            return new Options(header, d, labelColumn, classification);
        }
    }

    /** The byte-order mark some editors put at the start of a UTF-8 file; not part of the first column's name. */
    private static final String BOM = "\uFEFF";

    private CsvDatasets() {
    }

    /** Finds the first line that is not UTF-8 (the buffered reader reports it without a position). */
    private static ModelFileException notUtf8(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        int line = 1;
        for (int start = 0; start < bytes.length; line++) {
            int end = start;
            while (end < bytes.length && bytes[end] != '\n') {
                end++;
            }
            int bad = firstInvalid(bytes, start, end);
            if (bad >= 0) {
                return new ModelFileException(file, "line " + line, String.format(Locale.ROOT, "is not UTF-8 text (byte "
                        + "0x%02x at byte %d of the line); save the file as UTF-8, e.g. iconv -f latin1 -t utf-8 %s > fixed.csv",
                        bytes[bad] & 0xFF, bad - start + 1, file.getFileName()));
            }
            start = end + 1;
        }
        return new ModelFileException(file, "is not UTF-8 text; save it as UTF-8");
    }

    /** The offset of the first byte in {@code [start, end)} that is not valid UTF-8, or -1. */
    private static int firstInvalid(byte[] bytes, int start, int end) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes, start, end - start);
        CoderResult r = decoder.decode(in, CharBuffer.allocate(end - start + 1), true);
        return r.isError() ? in.position() : -1;
    }

    public static Dataset read(Path file, Options options) throws IOException {
        Pattern split = Pattern.compile(Pattern.quote(String.valueOf(options.delimiter())));
        List<float[]> rows = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        int columns = -1;
        int labelIndex = -1;
        int lineNumber = 0;
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = in.readLine()) != null) {
                lineNumber++;
                if (lineNumber == 1 && line.startsWith(BOM)) {
                    line = line.substring(BOM.length());
                }
                if (line.isBlank()) {
                    continue;
                }
                String[] cells = split.split(line.strip(), -1);
                if (columns < 0) {
                    columns = cells.length;
                    if (columns < 2 && options.labelColumn() != null) {
                        throw new ModelFileException(file, "line " + lineNumber, "needs at least 2 columns (features and a label)");
                    }
                    labelIndex = options.labelColumn() == null ? -1 : labelIndex(file, options, options.header() ? cells : null, columns);
                    if (options.header()) {
                        continue;
                    }
                }
                if (cells.length != columns) {
                    throw new ModelFileException(file, "line " + lineNumber, "has " + cells.length + " columns, expected " + columns);
                }
                float[] features = new float[labelIndex < 0 ? columns : columns - 1];
                for (int c = 0, f = 0; c < columns; c++) {
                    if (c == labelIndex) {
                        labels.add(cells[c].strip());
                        continue;
                    }
                    features[f++] = number(file, lineNumber, c, cells[c]);
                }
                rows.add(features);
            }
        } catch (CharacterCodingException e) {
            throw notUtf8(file);
        }
        if (rows.isEmpty()) {
            throw new ModelFileException(file, "has no data rows");
        }
        int width = labelIndex < 0 ? columns : columns - 1;
        float[] x = new float[Math.multiplyExact(rows.size(), width)];
        for (int i = 0; i < rows.size(); i++) {
            System.arraycopy(rows.get(i), 0, x, i * width, width);
        }
        if (labelIndex < 0) {
            return Dataset.unlabelled(x, width);
        }
        if (!options.classification()) {
            float[] y = new float[labels.size()];
            for (int i = 0; i < y.length; i++) {
                y[i] = number(file, -1, labelIndex, labels.get(i));
            }
            return Dataset.regression(x, width, y, 1);
        }
        return classification(file, x, width, labels);
    }

    private static Dataset classification(Path file, float[] x, int width, List<String> labels) throws ModelFileException {
        boolean integers = labels.stream().allMatch(s -> s.matches("\\d{1,9}"));
        int[] y = new int[labels.size()];
        int classes;
        if (integers) {
            classes = 0;
            for (int i = 0; i < y.length; i++) {
                y[i] = Integer.parseInt(labels.get(i));
                classes = Math.max(classes, y[i] + 1);
            }
        } else {
            Map<String, Integer> ids = new LinkedHashMap<>();
            for (int i = 0; i < y.length; i++) {
                y[i] = ids.computeIfAbsent(labels.get(i), k -> ids.size());
            }
            classes = ids.size();
        }
        if (classes < 2) {
            throw new ModelFileException(file, "label column", "has a single class; classification needs at least 2");
        }
        return Dataset.classification(x, width, y, classes);
    }

    private static int labelIndex(Path file, Options options, String[] header, int columns) throws ModelFileException {
        String spec = options.labelColumn().strip();
        if (header != null) {
            int found = Arrays.asList(header).stream().map(String::strip).toList().indexOf(spec);
            if (found >= 0) {
                return found;
            }
        }
        try {
            int i = Integer.parseInt(spec);
            int index = i < 0 ? columns + i : i;
            if (index < 0 || index >= columns) {
                throw new ModelFileException(file, "label column", "index " + i + " is outside 0.." + (columns - 1));
            }
            return index;
        } catch (NumberFormatException e) {
            throw new ModelFileException(file, "label column", "no column named '" + spec + "'"
                    + (header == null ? " (the file is read without a header)" : "; columns are " + Arrays.toString(header)));
        }
    }

    private static float number(Path file, int line, int column, String cell) throws ModelFileException {
        try {
            float v = Float.parseFloat(cell.strip());
            if (Float.isFinite(v)) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ModelFileException(file, line < 0 ? "label column" : "line " + line,
                "column " + (column + 1) + " is '" + cell + "', not a finite number");
    }
}
