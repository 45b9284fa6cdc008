package dev.graft.train;

import dev.graft.Model;

/** The trained model (a new one; the input model is untouched) and its history. */
public record TrainingResult(Model model, History history) {
}
