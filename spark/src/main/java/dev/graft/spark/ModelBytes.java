package dev.graft.spark;

import dev.graft.Model;
import dev.graft.loader.ModelFormat;
import dev.graft.loader.Models;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A model as the bytes of a Graft {@code .safetensors} file: what the driver broadcasts to executors
 * and what a saved transformer keeps. Reading goes through {@link Models#load}, so executors parse
 * the same format the CLI writes; each executor JVM parses a given model once ({@link #model()}).
 */
final class ModelBytes implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Models kept parsed per JVM; a long-lived executor that sees many models keeps only the latest few. */
    private static final int KEEP_PARSED = 4;

    /** Models already parsed in this JVM, by content hash, least recently used first. */
    private static final Map<String, Model> PARSED = new LinkedHashMap<>(8, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Model> eldest) {
            return size() > KEEP_PARSED;
        }
    };

    private final byte[] bytes;
    private final String sha256;

    private ModelBytes(byte[] bytes) {
        this.bytes = bytes;
        this.sha256 = sha256(bytes);
    }

    /** The bytes of {@code model} written in the Graft format (bit-identical on reading back). */
    static ModelBytes of(Model model) {
        try {
            Path dir = Files.createTempDirectory("graft-spark");
            Path file = dir.resolve("model.safetensors");
            try {
                Models.save(model, file, ModelFormat.GRAFT);
                ModelBytes result = new ModelBytes(Files.readAllBytes(file));
                synchronized (PARSED) {
                    PARSED.putIfAbsent(result.sha256, model);
                }
                return result;
            } finally {
                Files.deleteIfExists(file);
                Files.deleteIfExists(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not serialise " + model + " in the Graft format", e);
        }
    }

    /** Bytes of a Graft {@code .safetensors} file, e.g. as saved by a transformer's writer. */
    static ModelBytes wrap(byte[] graftFile) {
        return new ModelBytes(graftFile.clone());
    }

    byte[] bytes() {
        return bytes.clone();
    }

    String sha256() {
        return sha256;
    }

    /** The model, parsed once per JVM (while it is among the last few used); concurrent tasks wait for one parse. */
    Model model() {
        synchronized (PARSED) {
            return PARSED.computeIfAbsent(sha256, k -> parse());
        }
    }

    private Model parse() {
        try {
            Path dir = Files.createTempDirectory("graft-spark");
            Path file = dir.resolve("model.safetensors");
            try {
                Files.write(file, bytes);
                return Models.load(file).model();
            } finally {
                Files.deleteIfExists(file);
                Files.deleteIfExists(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the broadcast Graft model (sha256 " + sha256 + ")", e);
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
