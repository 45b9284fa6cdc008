package dev.graft.loader.tf;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.graft.loader.ModelFileException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SavedObjectGraphOuterClass.SavedConcreteFunction;
import org.tensorflow.proto.SavedObjectGraphOuterClass.SavedObjectGraph;
import org.tensorflow.proto.TrackableObjectGraphOuterClass.TrackableObjectGraph.TrackableObject.ObjectReference;

/** Reading the graph side of a SavedModel directory and of a {@code .meta} file. */
final class SavedModels {

    static final String VALUE_SUFFIX = "/.ATTRIBUTES/VARIABLE_VALUE";

    private SavedModels() {
    }

    static boolean isSavedModelDir(Path dir) {
        return Files.isDirectory(dir) && Files.isRegularFile(dir.resolve("saved_model.pb"));
    }

    /** The serving meta graph of {@code dir/saved_model.pb} (the first one if none is tagged "serve"). */
    static MetaGraphDef metaGraph(Path dir) throws IOException {
        Path pb = dir.resolve("saved_model.pb");
        SavedModel model;
        try {
            model = SavedModel.parseFrom(Files.readAllBytes(pb));
        } catch (InvalidProtocolBufferException e) {
            throw new ModelFileException(pb, null, "not a SavedModel protocol buffer: " + e.getMessage(), e);
        }
        if (model.getMetaGraphsCount() == 0) {
            throw new ModelFileException(pb, "SavedModel has no meta graph");
        }
        for (MetaGraphDef m : model.getMetaGraphsList()) {
            if (m.getMetaInfoDef().getTagsList().contains("serve")) {
                return m;
            }
        }
        return model.getMetaGraphs(0);
    }

    /**
     * The graph in a checkpoint's {@code .meta} file, after checking that it belongs to the {@code .index} beside it
     * ({@link CheckpointSet}).
     */
    static MetaGraphDef metaFile(Path meta) throws IOException {
        MetaGraphDef def;
        try {
            def = MetaGraphDef.parseFrom(Files.readAllBytes(meta));
        } catch (InvalidProtocolBufferException e) {
            throw new ModelFileException(meta, null, "not a MetaGraphDef protocol buffer: " + e.getMessage(), e);
        }
        CheckpointSet.verify(meta, def);
        return def;
    }

    /**
     * Maps each variable's graph name (e.g. {@code dense/kernel}) to its TF2 checkpoint key
     * ({@code layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE}): the key is the first path from the
     * root in breadth-first order over the object graph's children, as TF's saver names it. The graph name is
     * the object's variable name, overridden by what the graph itself says: a function call in the top-level
     * graph passes variable handles for the objects its concrete function captures ({@code bound_inputs}), so
     * a handle the exporter renamed ({@code dense/kernel_1}, as {@code keras_model.export} writes) still finds
     * its key.
     */
    static Map<String, String> checkpointKeys(MetaGraphDef meta) {
        Map<String, String> keys = new HashMap<>();
        String[] paths = objectPaths(meta);
        if (paths.length == 0) {
            return keys;
        }
        SavedObjectGraph graph = meta.getObjectGraphDef();
        for (int id = 1; id < paths.length; id++) {
            if (paths[id] != null && graph.getNodes(id).hasVariable()) {
                keys.putIfAbsent(graph.getNodes(id).getVariable().getName(), paths[id] + VALUE_SUFFIX);
            }
        }
        Map<String, NodeDef> top = new HashMap<>();
        meta.getGraphDef().getNodeList().forEach(n -> top.put(n.getName(), n));
        for (NodeDef call : meta.getGraphDef().getNodeList()) {
            AttrValue f = call.getAttrMap().get("f");
            SavedConcreteFunction fn = f == null ? null : graph.getConcreteFunctionsMap().get(f.getFunc().getName());
            if (fn == null || !(call.getOp().equals("StatefulPartitionedCall") || call.getOp().equals("PartitionedCall"))) {
                continue;
            }
            List<String> inputs = call.getInputList().stream().filter(i -> !i.startsWith("^")).toList();
            int first = inputs.size() - fn.getBoundInputsCount();
            for (int k = 0; k < fn.getBoundInputsCount() && first >= 0; k++) {
                int id = fn.getBoundInputs(k);
                NodeDef handle = top.get(inputs.get(first + k).split(":")[0]);
                if (handle != null && handle.getOp().equals("VarHandleOp") && id > 0 && id < paths.length
                        && paths[id] != null && graph.getNodes(id).hasVariable()) {
                    keys.put(handle.getName(), paths[id] + VALUE_SUFFIX);
                }
            }
        }
        return keys;
    }

    /**
     * Each checkpoint key of a variable object mapped to the variable's name in the object graph
     * ({@code SavedVariable.name}); empty without an object graph. Two keys with one name are one variable tracked
     * twice (Keras 3's {@code export} tracks every variable under {@code variables/} and {@code _all_variables/}).
     */
    static Map<String, String> variableNames(MetaGraphDef meta) {
        Map<String, String> names = new HashMap<>();
        String[] paths = objectPaths(meta);
        for (int id = 1; id < paths.length; id++) {
            if (paths[id] != null && meta.getObjectGraphDef().getNodes(id).hasVariable()) {
                names.put(paths[id] + VALUE_SUFFIX, meta.getObjectGraphDef().getNodes(id).getVariable().getName());
            }
        }
        return names;
    }

    /** Each object's first path from the root, breadth-first over children (null where unreachable). */
    private static String[] objectPaths(MetaGraphDef meta) {
        if (!meta.hasObjectGraphDef() || meta.getObjectGraphDef().getNodesCount() == 0) {
            return new String[0];
        }
        SavedObjectGraph graph = meta.getObjectGraphDef();
        int n = graph.getNodesCount();
        String[] paths = new String[n];
        paths[0] = "";
        Deque<Integer> queue = new ArrayDeque<>();
        queue.add(0);
        while (!queue.isEmpty()) {
            int id = queue.poll();
            for (ObjectReference child : graph.getNodes(id).getChildrenList()) {
                int c = child.getNodeId();
                if (c >= 0 && c < n && paths[c] == null) {
                    paths[c] = paths[id].isEmpty() ? child.getLocalName() : paths[id] + "/" + child.getLocalName();
                    queue.add(c);
                }
            }
        }
        return paths;
    }
}
