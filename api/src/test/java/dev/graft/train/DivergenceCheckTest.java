package dev.graft.train;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** A loss that becomes NaN or explodes stops the run, naming where (issue 12, item 7: --lr 1e30). */
class DivergenceCheckTest {

    @Test
    void anExplodingLossStopsNamingEpochBatchAndRate() {
        DivergenceCheck check = new DivergenceCheck(1e30f);
        check.check(1.6 * 32, 32, 1, 1, 10);
        check.check(50 * 32, 32, 1, 2, 10); // 30x worse: noisy, not yet divergence
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> check.check(3e30 * 32, 32, 1, 3, 10));
        assertTrue(e.getMessage().contains("epoch 1, batch 3 of 10") && e.getMessage().contains("lower the learning rate (1.0E30)"),
                e.getMessage());
    }

    @Test
    void nanOrInfinityStopsAtOnceAndATinyFirstLossIsNotABaseline() {
        DivergenceCheck check = new DivergenceCheck(0.1f);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> check.check(Double.NaN, 8, 2, 5, 9));
        assertTrue(e.getMessage().contains("NaN at epoch 2, batch 5 of 9"), e.getMessage());
        DivergenceCheck nearPerfect = new DivergenceCheck(0.1f);
        nearPerfect.check(1e-9, 8, 1, 1, 9);
        nearPerfect.check(8 * 50.0, 8, 1, 2, 9); // a bad batch after a near-perfect one: below 1e4 x the 0.01 floor
        assertThrows(IllegalStateException.class, () -> nearPerfect.check(8 * 1000.0, 8, 1, 3, 9));
    }
}
