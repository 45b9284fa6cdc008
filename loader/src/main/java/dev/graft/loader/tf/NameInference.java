package dev.graft.loader.tf;

import dev.graft.Activation;
import dev.graft.loader.ModelFileException;
import dev.graft.loader.TensorLayer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Without a graph, guesses the layer chain from tensor names and shapes: every rank-2 float tensor is a
 * weight matrix {@code [in, out]}, paired with a rank-1 bias of length {@code out} from the same scope
 * (or with the same trailing number: {@code W1}/{@code b1}, {@code Weights1}/{@code Bias1}); matrices are
 * ordered so each one's rows equal the previous one's columns, ties broken by natural name order.
 * Activations are unknown and set to identity; the caller reports all of this as notes.
 */
final class NameInference {

    private static final Pattern TRAILING_NUMBER = Pattern.compile("(\\d+)$");
    private static final String TF2_SUFFIX = "/.ATTRIBUTES/VARIABLE_VALUE";

    private NameInference() {
    }

    static List<TensorLayer> infer(Path index, Map<String, long[]> candidates) throws ModelFileException {
        List<String> matrices = new ArrayList<>();
        List<String> vectors = new ArrayList<>();
        candidates.forEach((name, shape) -> {
            if (shape.length == 2) {
                matrices.add(name);
            } else if (shape.length == 1) {
                vectors.add(name);
            }
        });
        if (matrices.isEmpty()) {
            throw new ModelFileException(index, "no rank-2 float tensor that could be a dense layer's weights");
        }
        matrices.sort(NATURAL);
        vectors.sort(NATURAL);
        List<String> order = chain(index, matrices, candidates);
        List<TensorLayer> layers = new ArrayList<>();
        Map<String, Integer> names = new LinkedHashMap<>();
        for (String w : order) {
            long out = candidates.get(w)[1];
            String bias = pickBias(w, out, vectors, candidates);
            vectors.remove(bias);
            String name = layerName(w);
            int seen = names.merge(name, 1, Integer::sum);
            layers.add(TensorLayer.of(seen == 1 ? name : name + "_" + seen, w, bias, Activation.IDENTITY));
        }
        return layers;
    }

    /** The scope of a variable (its name without the last component), or the name itself when unscoped. */
    static String layerName(String variable) {
        String v = variable.endsWith(TF2_SUFFIX) ? variable.substring(0, variable.length() - TF2_SUFFIX.length()) : variable;
        int slash = v.lastIndexOf('/');
        String name = slash > 0 ? v.substring(0, slash) : v;
        return name.replaceAll("[^A-Za-z0-9_.\\-/]", "_");
    }

    private static List<String> chain(Path index, List<String> matrices, Map<String, long[]> shapes) throws ModelFileException {
        List<String> remaining = new ArrayList<>(matrices);
        List<String> order = new ArrayList<>();
        // Start with a matrix whose input width is nobody's output width (the model input), else the first by name.
        String current = remaining.stream()
                .filter(m -> remaining.stream().noneMatch(o -> o != m && shapes.get(o)[1] == shapes.get(m)[0]))
                .findFirst().orElse(remaining.get(0));
        while (current != null) {
            order.add(current);
            remaining.remove(current);
            long out = shapes.get(current)[1];
            current = remaining.stream().filter(m -> shapes.get(m)[0] == out).findFirst().orElse(null);
        }
        if (!remaining.isEmpty()) {
            throw new ModelFileException(index, remaining.get(0), "cannot place this weight matrix in a chain of layers "
                    + "from names and shapes alone (chain found: " + order + "); give an explicit layer mapping");
        }
        return order;
    }

    private static String pickBias(String weights, long out, List<String> vectors, Map<String, long[]> shapes) {
        List<String> fits = vectors.stream().filter(v -> shapes.get(v)[0] == out).toList();
        String scope = scopeOf(weights);
        for (String v : fits) {
            if (!scope.isEmpty() && scope.equals(scopeOf(v))) {
                return v;
            }
        }
        String number = trailingNumber(weights);
        for (String v : fits) {
            if (scopeOf(v).isEmpty() && number != null && number.equals(trailingNumber(v))) {
                return v;
            }
        }
        return fits.stream().filter(v -> scopeOf(v).isEmpty() || scopeOf(v).equals(scope)).findFirst().orElse(null);
    }

    private static String scopeOf(String name) {
        String v = name.endsWith(TF2_SUFFIX) ? name.substring(0, name.length() - TF2_SUFFIX.length()) : name;
        int slash = v.lastIndexOf('/');
        return slash > 0 ? v.substring(0, slash) : "";
    }

    private static String trailingNumber(String name) {
        Matcher m = TRAILING_NUMBER.matcher(name);
        return m.find() ? m.group(1) : null;
    }

    /** Natural order: digit runs compare as numbers, so {@code layer2 < layer10}. */
    static final Comparator<String> NATURAL = (a, b) -> {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            char ca = a.charAt(i);
            char cb = b.charAt(j);
            if (Character.isDigit(ca) && Character.isDigit(cb)) {
                int si = i;
                int sj = j;
                while (i < a.length() && Character.isDigit(a.charAt(i))) {
                    i++;
                }
                while (j < b.length() && Character.isDigit(b.charAt(j))) {
                    j++;
                }
                String na = a.substring(si, i).replaceFirst("^0+(?=.)", "");
                String nb = b.substring(sj, j).replaceFirst("^0+(?=.)", "");
                int c = na.length() != nb.length() ? Integer.compare(na.length(), nb.length()) : na.compareTo(nb);
                if (c != 0) {
                    return c;
                }
            } else {
                if (ca != cb) {
                    return Character.compare(ca, cb);
                }
                i++;
                j++;
            }
        }
        return Integer.compare(a.length() - i, b.length() - j);
    };
}
