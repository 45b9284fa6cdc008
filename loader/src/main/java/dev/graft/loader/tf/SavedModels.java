package dev.graft.loader.tf;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.graft.loader.ModelFileException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SavedObjectGraphOuterClass.SavedObject;
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
     * root in breadth-first order over the object graph's children, as TF's saver names it.
     */
    static Map<String, String> checkpointKeys(MetaGraphDef meta) {
        Map<String, String> keys = new HashMap<>();
        if (!meta.hasObjectGraphDef()) {
            return keys;
        }
        SavedObjectGraph graph = meta.getObjectGraphDef();
        int n = graph.getNodesCount();
        if (n == 0) {
            return keys;
        }
        String[] paths = new String[n];
        paths[0] = "";
        Deque<Integer> queue = new ArrayDeque<>();
        queue.add(0);
        while (!queue.isEmpty()) {
            int id = queue.poll();
            SavedObject obj = graph.getNodes(id);
            for (ObjectReference child : obj.getChildrenList()) {
                int c = child.getNodeId();
                if (c >= 0 && c < n && paths[c] == null) {
                    paths[c] = paths[id].isEmpty() ? child.getLocalName() : paths[id] + "/" + child.getLocalName();
                    queue.add(c);
                }
            }
            if (obj.hasVariable() && id != 0) {
                keys.putIfAbsent(obj.getVariable().getName(), paths[id] + VALUE_SUFFIX);
            }
        }
        return keys;
    }
}
