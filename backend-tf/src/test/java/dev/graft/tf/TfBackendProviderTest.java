package dev.graft.tf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Backends;
import dev.graft.conformance.Conformance;
import dev.graft.spi.Backend;
import dev.graft.spi.BackendOptions;
import org.junit.jupiter.api.Test;
import org.tensorflow.proto.ConfigProto;

/** Discovery of the TF provider and the settings it derives from {@link BackendOptions}. */
class TfBackendProviderTest {

    @Test
    void discoveredUnderItsNameBelowCpuPriority() {
        Backends.Candidate tf = Backends.find("tf");
        assertEquals(100, tf.priority());
        assertTrue(tf.provider() instanceof TfBackendProvider, tf.provider().getClass().getName());
        // the answer is cached and repeatable
        assertEquals(tf.availability(), new TfBackendProvider().probe());
    }

    @Test
    void threadsSettingSizesTfPools() {
        ConfigProto pinned = TfRuntime.sessionConfig(BackendOptions.defaults().withThreads(3));
        assertEquals(3, pinned.getIntraOpParallelismThreads());
        assertEquals(1, pinned.getInterOpParallelismThreads());
        ConfigProto inter = TfRuntime.sessionConfig(new BackendOptions(2, java.util.Map.of(TfRuntime.INTER_OP_PROPERTY, "4")));
        assertEquals(4, inter.getInterOpParallelismThreads());
        ConfigProto defaults = TfRuntime.sessionConfig(new BackendOptions(0, java.util.Map.of()));
        assertEquals(0, defaults.getIntraOpParallelismThreads(), "0 leaves TF's own default");
    }

    @Test
    void opensThroughDiscoveryAndDescribesItself() {
        TfBackendProvider provider = new TfBackendProvider();
        Conformance.requireOrSkip(provider);
        try (Backend backend = Backends.open("tf", BackendOptions.defaults().withThreads(1))) {
            assertEquals("tf", backend.name());
            assertTrue(backend.description().contains("1 intra-op thread"), backend.description());
        }
    }
}
