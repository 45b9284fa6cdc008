package dev.graft.spark;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.function.Function;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import scala.Option;

/**
 * A pipeline stage that holds a Graft model, and how such a stage is copied and saved: Spark's usual
 * parameter metadata, plus the model itself as a Graft {@code .safetensors} file beside it, so a
 * saved pipeline does not depend on the original model path still existing.
 */
interface ModelStage extends Params, MLWritable {

    /** File name of the model inside a saved stage's directory. */
    String MODEL_FILE = "graft-model.safetensors";

    /** The stage's model, or null when only a model path is set. */
    ModelBytes modelBytes();

    void modelBytes(ModelBytes model);

    /** Saves the stage's parameters and its model ({@link Writer}). */
    @Override
    default MLWriter write() {
        return new Writer(this);
    }

    /** {@code stage}'s model, or an error naming the stage and how to give it one. */
    static ModelBytes requireModel(ModelStage stage) {
        ModelBytes model = stage.modelBytes();
        if (model == null) {
            throw new IllegalStateException(stage.getClass().getSimpleName() + " " + stage.uid()
                    + " has no model: call setModelPath or setModel");
        }
        return model;
    }

    /**
     * {@code fresh} (a new stage with {@code stage}'s uid) given {@code stage}'s parameters, then
     * {@code extra}'s, and {@code stage}'s model, which Spark's {@code copyValues} does not know of.
     */
    static <T extends ModelStage> T copy(ModelStage stage, T fresh, ParamMap extra) {
        T copy = stage.copyValues(fresh, extra);
        copy.modelBytes(stage.modelBytes());
        return copy;
    }

    /** Writes a {@link ModelStage}'s metadata and model. */
    final class Writer extends MLWriter {
        private final ModelStage stage;

        Writer(ModelStage stage) {
            this.stage = stage;
        }

        @Override
        public void saveImpl(String path) {
            DefaultParamsWriter.saveMetadata(stage, path, sparkSession());
            ModelBytes model = stage.modelBytes();
            if (model == null) {
                return;
            }
            Path file = new Path(path, MODEL_FILE);
            Configuration conf = sparkSession().sparkContext().hadoopConfiguration();
            try (OutputStream out = file.getFileSystem(conf).create(file, true)) {
                out.write(model.bytes());
            } catch (IOException e) {
                throw new UncheckedIOException("could not write " + file, e);
            }
        }
    }

    /** Reads what {@link Writer} wrote into a new stage made by {@code create(uid)}. */
    final class Reader<T extends ModelStage> extends MLReader<T> {
        private final Class<T> type;
        private final Function<String, T> create;

        Reader(Class<T> type, Function<String, T> create) {
            this.type = type;
            this.create = create;
        }

        @Override
        public T load(String path) {
            DefaultParamsReader.Metadata metadata = DefaultParamsReader.loadMetadata(path, sparkSession(), type.getName());
            T stage = create.apply(metadata.uid());
            metadata.getAndSetParams(stage, Option.empty());
            Path file = new Path(path, MODEL_FILE);
            Configuration conf = sparkSession().sparkContext().hadoopConfiguration();
            try {
                FileSystem fs = file.getFileSystem(conf);
                if (fs.exists(file)) {
                    try (InputStream in = fs.open(file)) {
                        stage.modelBytes(ModelBytes.wrap(in.readAllBytes()));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("could not read " + file, e);
            }
            return stage;
        }
    }
}
