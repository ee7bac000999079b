package dev.jvfio.engine;

/**
 * The thread that runs one {@link CopyEngine}'s copies, one at a time (the engine ignores its
 * doorbell while busy). A platform thread that stays for the next copy, not a new virtual thread
 * per copy: on the 2-vCPU bench VM a 64 MiB copy handed to a fresh virtual thread ran 10-30%
 * slower, and varied more, than the same copy handed to a waiting platform thread. It is
 * started by the first copy and ends after {@link #IDLE_MILLIS} without one, so an idle or closed
 * device holds no thread.
 */
final class CopyWorker {
    static final long IDLE_MILLIS = 30_000;

    private final String name;
    private final long idleMillis;
    // guarded by this
    private Runnable next;
    private boolean running;

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

    /** Runs {@code copy} on the worker; the engine submits one copy at a time. Never blocks. */
    synchronized void submit(Runnable copy) {
        if (next != null) {
            throw new IllegalStateException("a copy is already waiting for the worker");
        }
        next = copy;
        if (running) {
            notifyAll();
        } else {
            running = true;
            Thread.ofPlatform().daemon().name(name).start(this::loop);
        }
    }

    private void loop() {
        while (true) {
            Runnable copy;
            synchronized (this) {
                long deadline = System.currentTimeMillis() + idleMillis;
                while (next == null) {
                    long left = deadline - System.currentTimeMillis();
                    if (left <= 0) {
                        running = false; // the next submit starts a new thread
                        return;
                    }
                    try {
                        wait(left);
                    } catch (InterruptedException e) {
                        running = false;
                        if (next != null) { // never strand a submitted copy: hand it to a new thread
                            running = true;
                            Thread.ofPlatform().daemon().name(name).start(this::loop);
                        }
                        return;
                    }
                }
                copy = next;
                next = null;
            }
            copy.run(); // CopyRun catches what a copy can throw and reports it in STATUS
        }
    }
}
