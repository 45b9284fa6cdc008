package dev.graft.predict;

/**
 * One class of a ranked prediction.
 *
 * @param label the class index (an output unit of the model)
 * @param score its probability when the model gives class probabilities or logits (see
 *              {@link Predictions#probabilities()}), else its raw output
 */
public record ClassScore(int label, float score) {
}
