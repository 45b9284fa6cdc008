package dev.graft.loader;

import dev.graft.Model;

/** A model read from a file, with the report of how it was read. */
public record LoadedModel(Model model, LoadReport report) {
}
