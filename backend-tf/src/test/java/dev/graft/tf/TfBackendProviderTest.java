package dev.graft.tf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Backends;
import dev.graft.conformance.Conformance;
import dev.graft.spi.Backend;
import dev.graft.spi.BackendOptions;
import java.io.File;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
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
    void probeLoadsNoNativeLibrary() throws Exception {
        // A fresh class loader has its own javacpp Loader and TF classes, untouched by other tests.
        URL[] path = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .map(TfBackendProviderTest::url).toArray(URL[]::new);
        try (URLClassLoader isolated = new URLClassLoader(path, ClassLoader.getPlatformClassLoader())) {
            Object provider = isolated.loadClass(TfBackendProvider.class.getName()).getConstructor().newInstance();
            Object answer = provider.getClass().getMethod("probe").invoke(provider);
            assertTrue(answer.toString().contains("not loaded yet"), answer.toString());
            Map<?, ?> loaded = (Map<?, ?>) isolated.loadClass("org.bytedeco.javacpp.Loader")
                    .getMethod("getLoadedLibraries").invoke(null);
            assertTrue(loaded.keySet().stream().noneMatch(k -> k.toString().contains("tensorflow")),
                    "probe() loaded " + loaded.keySet());
        }
    }

    private static URL url(String entry) {
        try {
            return Path.of(entry).toUri().toURL();
        } catch (MalformedURLException e) {
            throw new IllegalStateException(e);
        }
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
