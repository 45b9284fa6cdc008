package dev.graft.loader.tf;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Recognises checkpoint variables that are not layer parameters: optimizer slots and hyper-parameters,
 * step counters, metrics and TF2 bookkeeping. They are reported as skipped, never loaded as layers.
 */
final class VariableFilter {

    private static final Pattern OPTIMIZER_SLOT = Pattern.compile(
            "(^|/)(Adam|Adam_\\d+|Momentum|RMSProp|RMSProp_\\d+|Adagrad|Adadelta|Ftrl|Ftrl_\\d+|AdamW|Nadam|Adamax)(/|$)"
                    + "|\\.OPTIMIZER_SLOT|^optimizer/|^training/");
    private static final Pattern OPTIMIZER_STATE = Pattern.compile("(^|/)(beta1_power|beta2_power)(_\\d+)?$");
    private static final Pattern COUNTER = Pattern.compile("(^|/)(global_step|save_counter|iterations|iter)(/|$)");
    private static final Pattern METRIC = Pattern.compile("(^|/)(metrics|keras_api/metrics)(/|$)|(^|/)(total|count)(_\\d+)?(/|$)");
    private static final Pattern AVERAGE = Pattern.compile("/ExponentialMovingAverage(/|$)");

    private VariableFilter() {
    }

    /** Why {@code name} is not a layer parameter, or empty if it may be one. */
    static Optional<String> skipReason(String name) {
        if (name.startsWith("_CHECKPOINTABLE_OBJECT_GRAPH")) {
            return Optional.of("TF2 object-graph bookkeeping");
        }
        if (OPTIMIZER_SLOT.matcher(name).find()) {
            return Optional.of("optimizer slot or hyper-parameter");
        }
        if (OPTIMIZER_STATE.matcher(name).find()) {
            return Optional.of("optimizer state (Adam beta power)");
        }
        if (COUNTER.matcher(name).find()) {
            return Optional.of("step counter");
        }
        if (METRIC.matcher(name).find()) {
            return Optional.of("metric accumulator");
        }
        if (AVERAGE.matcher(name).find()) {
            return Optional.of("moving average shadow variable");
        }
        return Optional.empty();
    }
}
