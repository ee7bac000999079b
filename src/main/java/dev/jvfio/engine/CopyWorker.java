package dev.jvfio.engine;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The thread that runs one {@link CopyEngine}'s copies, one at a time (the engine ignores its
 * doorbell while busy). A platform thread that stays for the next copy, not a new virtual thread
 * per copy: on the 2-vCPU bench VM a 64 MiB copy handed to a fresh virtual thread ran 10-30%
 * slower, and varied more, than the same copy handed to a waiting platform thread. It is
 * started by the first copy and ends after {@link #IDLE_MILLIS} without one, so an idle or closed
 * device holds no thread.
 *
 * <p>After a copy the thread stays awake for up to {@link #AWAKE_NANOS}, yielding its CPU to any
 * thread that wants it, if the copy came that soon after the one before: a driver that streams
 * copies (each doorbell shortly after the previous completion interrupt) then hands the next one
 * over without a wake-up, a system call on the doorbell's side or a cold cache on this side. A copy
 * that came later than that is followed by sleep at once, so sporadic copies cost no CPU. Where
 * another thread wants the CPU (a copy submitted before the previous run returned, a yield that
 * ran another thread) the worker sleeps too: a yielding thread waits behind every other runnable
 * one, a woken one goes ahead of them.
 */
final class CopyWorker {
    static final long IDLE_MILLIS = 30_000;
    /**
     * The longest the thread stays awake for the next copy: about what sleeping costs that copy on
     * a 2-vCPU VM, where the sleep and the futex wake from the other vCPU cost the worker and the
     * session 30-50 us of CPU per copy between them, the wake-up of a halted vCPU tens of
     * microseconds more, and a 1 MiB copy after a 20 us sleep ~10 us more CPU than back to back
     * (a cache refill). Staying awake no longer than sleeping would cost bounds what a wait in
     * vain wastes by what one sleep costs.
     */
    static final long AWAKE_NANOS = 50_000;
    /**
     * A yield that took longer than this ran another thread: the CPU is wanted, so the worker
     * sleeps instead (a yield with nothing else to run returns within a microsecond or two).
     */
    private static final long CONTENDED_NANOS = 10_000;

    private final String name;
    private final long idleMillis;
    /** The copy waiting for the worker: set by {@link #submit} under this monitor, taken by the worker. */
    private final AtomicReference<Runnable> next = new AtomicReference<>();
    /** When the waiting copy was submitted ({@link System#nanoTime}); written before {@link #next}. */
    private volatile long submittedAt;
    // guarded by this
    private boolean running;
    private boolean sleeping;

    CopyWorker(String name) {
        this(name, IDLE_MILLIS);
    }

    CopyWorker(String name, long idleMillis) {
        this.name = name;
        this.idleMillis = idleMillis;
    }

    /** Whether a worker thread exists now (for tests: it ends when idle). */
    synchronized boolean running() {
        return running;
    }

    /**
     * Whether the thread stays awake after a copy that was submitted {@code gapNanos} after the
     * previous copy's run returned. Negative: submitted before it returned, which takes the
     * client's wake-up, its doorbell and the session's dispatch (microseconds) while the run had
     * only a lock or two left after raising the interrupt; so the thread was descheduled there,
     * by the woken client or another thread that wanted this CPU, and a yielding thread would
     * wait behind them: it sleeps (it finds the next copy without sleeping if it is already there).
     */
    static boolean staysAwake(long gapNanos) {
        return gapNanos >= 0 && gapNanos <= AWAKE_NANOS;
    }

    /** Runs {@code copy} on the worker; the engine submits one copy at a time. Never blocks. */
    void submit(Runnable copy) {
        long now = System.nanoTime();
        synchronized (this) {
            if (next.get() != null) {
                throw new IllegalStateException("a copy is already waiting for the worker");
            }
            submittedAt = now;
            next.set(copy); // an awake worker takes it by itself: no wake-up, no system call here
            if (!running) {
                running = true;
                startThread();
            } else if (sleeping) {
                notifyAll();
            }
        }
    }

    private void startThread() {
        Thread.ofPlatform().daemon().name(name).start(this::loop);
    }

    private void loop() {
        boolean awake = false;
        long lastEnd = 0;
        boolean ranOne = false;
        while (true) {
            Runnable copy = awake ? takeAwake() : null;
            if (copy == null) {
                copy = takeAsleep();
                if (copy == null) {
                    return; // idle for too long, or interrupted: the next submit starts a thread
                }
            }
            awake = ranOne && staysAwake(submittedAt - lastEnd);
            copy.run(); // CopyRun catches what a copy can throw and reports it in STATUS
            lastEnd = System.nanoTime();
            ranOne = true;
        }
    }

    /**
     * The next copy if one comes within {@link #AWAKE_NANOS} while this CPU has nothing else to
     * run, else null; never sleeps.
     */
    private Runnable takeAwake() {
        long until = System.nanoTime() + AWAKE_NANOS;
        while (true) {
            if (next.get() != null) {
                return next.getAndSet(null); // only this thread clears it: never null here
            }
            long before = System.nanoTime();
            if (before - until >= 0) {
                return null;
            }
            Thread.yield(); // a thread that wants this CPU (the session, the client) gets it
            if (System.nanoTime() - before > CONTENDED_NANOS) {
                return null; // it did: a yielding thread waits behind the others, a sleeping one is woken ahead
            }
        }
    }

    /** Sleeps until a copy comes; null once idle for {@code idleMillis} or interrupted. */
    private Runnable takeAsleep() {
        synchronized (this) {
            long deadline = System.currentTimeMillis() + idleMillis;
            sleeping = true;
            try {
                while (next.get() == null) {
                    long left = deadline - System.currentTimeMillis();
                    if (left <= 0) {
                        running = false; // the next submit starts a new thread
                        return null;
                    }
                    try {
                        wait(left);
                    } catch (InterruptedException e) {
                        running = false;
                        if (next.get() != null) { // never strand a submitted copy: hand it to a new thread
                            running = true;
                            startThread();
                        }
                        return null;
                    }
                }
                return next.getAndSet(null);
            } finally {
                sleeping = false;
            }
        }
    }
}
