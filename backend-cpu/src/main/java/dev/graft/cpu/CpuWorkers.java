package dev.graft.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A few daemon threads, owned by one {@link CpuBackend}, that help the calling thread through the
 * tiles of one split GEMM ({@link CpuGemm}). The caller posts a job of {@code n} tiles and works
 * through them itself; each worker that is awake claims tiles from the same counter. So the split
 * never waits for a thread that is not running: on a busy machine where a worker does not get a
 * core, the caller does every tile alone (the same tiles, so the same bits), and it only waits for
 * tiles a worker has already started.
 *
 * <p>The hand-off has to cost far less than the products it splits (a 64-row block of the seed's
 * head takes about 5 µs), so there is no executor and no allocation per job: one atomic word holds
 * the job's sequence number, its tile count and the next unclaimed tile; an idle worker spins on it
 * for up to {@link #SPIN_NANOS} (the next GEMM of a training step follows within microseconds), and
 * only then parks; the caller unparks only a worker that said it parked. {@link #close()} stops and
 * joins the threads.
 */
final class CpuWorkers implements AutoCloseable {

    /** One tile of a job, run by thread {@code thread} (0: the caller, {@code w + 1}: worker {@code w}). */
    interface Job {
        void run(int tile, int thread);
    }

    /**
     * How long an idle worker (or the waiting caller) spins before it parks: long enough to bridge
     * the elementwise passes between the GEMMs of a training step, short enough that a finished
     * training leaves no thread burning a core for long.
     */
    static final long SPIN_NANOS = 100_000;

    /** Most tiles of one job (the counter's field width). */
    static final int MAX_TILES = (1 << 20) - 1;

    private static final AtomicInteger POOLS = new AtomicInteger();
    private static final int FIELD = 20;
    private static final long MASK = (1L << FIELD) - 1;

    private final Worker[] workers;
    /** {@code sequence << 40 | tiles << 20 | next tile}: workers claim tiles with a compare-and-set on it. */
    private final AtomicLong cursor = new AtomicLong();
    /** Tiles of the current job finished. */
    private final AtomicInteger done = new AtomicInteger();
    private Job job;
    private long sequence;
    private volatile Thread caller;
    private volatile boolean callerParked;
    private volatile boolean closed;
    /** Set by {@link #rest()}: idle workers park at once instead of spinning. */
    private volatile boolean resting;
    private volatile Throwable failure;

    /** {@code count} worker threads (the caller makes one more). */
    CpuWorkers(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("a worker pool needs at least one worker, got " + count);
        }
        int pool = POOLS.incrementAndGet();
        workers = new Worker[count];
        for (int w = 0; w < count; w++) {
            workers[w] = new Worker(w + 1);
            Thread t = new Thread(workers[w], "graft-cpu-gemm-" + pool + "-" + (w + 1));
            t.setDaemon(true);
            workers[w].thread = t;
            t.start();
        }
    }

    /** Threads that may run tiles: the workers and the caller. */
    int parallelism() {
        return workers.length + 1;
    }

    /** Runs tiles {@code 0..tiles-1} of {@code job} on the calling thread and any worker that is free, and waits for all. */
    void run(int tiles, Job job) {
        if (closed) {
            throw new IllegalStateException("cpu gemm workers were closed");
        }
        if (tiles < 1 || tiles > MAX_TILES) {
            throw new IllegalArgumentException("tiles must be in 1.." + MAX_TILES + ", got " + tiles);
        }
        this.job = job;
        caller = Thread.currentThread();
        resting = false;
        done.set(0);
        sequence = (sequence + 1) & ((1L << (64 - 2 * FIELD - 1)) - 1);
        cursor.set(sequence << (2 * FIELD) | (long) tiles << FIELD);
        // wake only as many parked workers as there are tiles to spare (spinning ones see the job anyway)
        for (int w = 0, wake = Math.min(tiles - 1, workers.length); w < wake; w++) {
            if (workers[w].parked) {
                LockSupport.unpark(workers[w].thread);
            }
        }
        Throwable mine = null;
        for (long v; (v = claim(sequence)) >= 0; ) {
            try {
                job.run((int) (v & MASK), 0);
            } catch (RuntimeException | Error e) {
                mine = e;
            }
            done.incrementAndGet();
        }
        awaitTiles(tiles);
        Throwable theirs = failure;
        failure = null;
        rethrow(mine != null ? mine : theirs);
    }

    /**
     * Claims the next tile of job {@code seq}: the cursor's value as claimed (its low field is the tile,
     * the middle one the job's tile count), or -1 when the job has none left or a newer job started.
     */
    private long claim(long seq) {
        while (true) {
            long v = cursor.get();
            int next = (int) (v & MASK);
            if (v >>> (2 * FIELD) != seq || next >= (int) ((v >>> FIELD) & MASK)) {
                return -1;
            }
            if (cursor.compareAndSet(v, v + 1)) {
                return v;
            }
        }
    }

    private void awaitTiles(int tiles) {
        long start = System.nanoTime();
        while (done.get() != tiles) {
            if (System.nanoTime() - start > SPIN_NANOS) {
                callerParked = true;
                if (done.get() != tiles) {
                    LockSupport.parkNanos(this, 1_000_000);
                }
                callerParked = false;
            } else {
                Thread.onSpinWait();
            }
        }
    }

    /**
     * Lets idle workers park now instead of spinning: called before a product that runs on
     * OpenBLAS's own threads, so that the workers do not take cores from them (one thread budget).
     */
    void rest() {
        resting = true;
    }

    private static void rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
    }

    /** Stops the workers and waits for them to end (idempotent). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        boolean interrupted = false;
        for (Worker w : workers) {
            LockSupport.unpark(w.thread);
            while (w.thread.isAlive()) {
                try {
                    w.thread.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether every worker thread has ended (after {@link #close()}). */
    boolean stopped() {
        for (Worker w : workers) {
            if (w.thread.isAlive()) {
                return false;
            }
        }
        return true;
    }

    private final class Worker implements Runnable {
        private final int index;
        Thread thread;
        volatile boolean parked;

        Worker(int index) {
            this.index = index;
        }

        @Override
        public void run() {
            long seen = 0;
            while (!closed) {
                long seq = awaitJob(seen);
                if (seq < 0) {
                    continue;
                }
                seen = seq;
                for (long v; (v = claim(seq)) >= 0; ) {
                    try {
                        job.run((int) (v & MASK), index);
                    } catch (RuntimeException | Error e) {
                        failure = e;
                    }
                    if (done.incrementAndGet() == (int) ((v >>> FIELD) & MASK) && callerParked) {
                        LockSupport.unpark(caller);
                    }
                }
            }
        }

        /** Spins, then parks, until a job newer than {@code seen} is posted: its sequence, or -1 when woken without one. */
        private long awaitJob(long seen) {
            long start = System.nanoTime();
            while (!closed) {
                long seq = cursor.get() >>> (2 * FIELD);
                if (seq != seen) {
                    return seq;
                }
                if (resting || System.nanoTime() - start > SPIN_NANOS) {
                    parked = true;
                    if (cursor.get() >>> (2 * FIELD) == seen && !closed) {
                        LockSupport.park(this);
                    }
                    parked = false;
                    return -1;
                }
                Thread.onSpinWait();
            }
            return -1;
        }
    }
}
