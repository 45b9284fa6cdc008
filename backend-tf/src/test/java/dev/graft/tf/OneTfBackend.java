package dev.graft.tf;

import dev.graft.conformance.Conformance;
import dev.graft.spi.Backend;
import dev.graft.spi.BackendOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Base of the test classes that share one single-threaded TF backend: opened before the class's
 * tests (skipped with the probe's reason where TF cannot run, failed where
 * {@code -Dgraft.requireBackends} names it) and closed after them.
 */
abstract class OneTfBackend {

    static Backend tf;

    @BeforeAll
    static void openTf() {
        TfBackendProvider provider = new TfBackendProvider();
        Conformance.requireOrSkip(provider);
        tf = provider.open(BackendOptions.defaults().withThreads(1));
    }

    @AfterAll
    static void closeTf() {
        if (tf != null) {
            tf.close();
            tf = null;
        }
    }
}
