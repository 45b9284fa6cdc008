package dev.graft.cuda;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * The live-allocation registry behind {@link CudaBackend}: which device addresses are still
 * allocated and how many bytes they hold, so that closing the backend frees exactly what its
 * buffers did not, and a buffer closed after its backend frees nothing twice. Pure bookkeeping
 * (the free function is passed in), so it is tested without a GPU.
 */
final class CudaMemoryLedger {

    private final Map<Long, Long> live = new LinkedHashMap<>();
    private long liveBytes;
    private long peakBytes;
    private boolean closed;

    /** Records an allocation. */
    synchronized void add(long address, long bytes) {
        if (closed) {
            throw new IllegalStateException("CUDA backend is closed");
        }
        if (address == 0) {
            throw new IllegalArgumentException("null device address");
        }
        if (live.putIfAbsent(address, bytes) != null) {
            throw new IllegalStateException("device address 0x" + Long.toHexString(address) + " is already live");
        }
        liveBytes += bytes;
        peakBytes = Math.max(peakBytes, liveBytes);
    }

    /** Forgets an allocation; true when it was live (so the caller frees it), false when it was already freed. */
    synchronized boolean remove(long address) {
        Long bytes = live.remove(address);
        if (bytes == null) {
            return false;
        }
        liveBytes -= bytes;
        return true;
    }

    synchronized boolean isLive(long address) {
        return live.containsKey(address);
    }

    synchronized int liveCount() {
        return live.size();
    }

    synchronized long liveBytes() {
        return liveBytes;
    }

    synchronized long peakBytes() {
        return peakBytes;
    }

    /**
     * Frees every live allocation, newest first, and refuses new ones. Every allocation is attempted
     * even if one free fails; the first failure is rethrown with the others suppressed.
     *
     * @return how many allocations were freed
     */
    synchronized int closeAll(LongConsumer free) {
        closed = true;
        List<Long> addresses = new ArrayList<>(live.keySet());
        live.clear();
        liveBytes = 0;
        RuntimeException failure = null;
        for (int i = addresses.size() - 1; i >= 0; i--) {
            try {
                free.accept(addresses.get(i));
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
        return addresses.size();
    }
}
