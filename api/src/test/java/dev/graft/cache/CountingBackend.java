package dev.graft.cache;

import dev.graft.spi.Backend;
import dev.graft.exec.Network;
import dev.graft.exec.NetworkCompiler;
import dev.graft.exec.NetworkPlan;
import dev.graft.exec.Networks;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A backend proxy that counts frozen forward passes: {@code predict} or {@code trainStep} calls on a
 * network whose model holds a frozen layer. Optionally sleeps in each one, to widen race windows.
 */
final class CountingBackend {

    final AtomicInteger frozenPasses = new AtomicInteger();
    /** The first layer's name of every network that ran a frozen pass. */
    final List<String> frozenNetworksFrom = new CopyOnWriteArrayList<>();
    final Backend backend;
    private final long delayMillis;

    CountingBackend(Backend target) {
        this(target, 0);
    }

    CountingBackend(Backend target, long delayMillis) {
        this.delayMillis = delayMillis;
        this.backend = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("capability") && args[0] == NetworkCompiler.class) {
                        // Every network placed on this backend goes through the counting wrapper.
                        NetworkCompiler counting = plan -> wrap(Networks.open(target, plan), plan);
                        return java.util.Optional.of(counting);
                    }
                    return call(target, method, args);
                });
    }

    private Network wrap(Network net, NetworkPlan plan) {
        boolean frozen = plan.model().layers().stream().anyMatch(l -> !l.trainable());
        String first = plan.model().layer(0).name();
        InvocationHandler h = (proxy, method, args) -> {
            if (frozen && (method.getName().equals("predict") || method.getName().equals("trainStep"))) {
                frozenPasses.incrementAndGet();
                if (!frozenNetworksFrom.contains(first)) {
                    frozenNetworksFrom.add(first);
                }
                if (delayMillis > 0) {
                    Thread.sleep(delayMillis);
                }
            }
            return call(net, method, args);
        };
        return (Network) Proxy.newProxyInstance(Network.class.getClassLoader(), new Class<?>[] {Network.class}, h);
    }

    private static Object call(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
