/**
 * Inference with a trained model: {@link dev.graft.predict.Predictor} places a model on a backend
 * once and returns {@link dev.graft.predict.Predictions} (raw outputs, class probabilities, top-k
 * classes) for arrays, datasets with or without labels, and any row source, batch by batch.
 */
package dev.graft.predict;
