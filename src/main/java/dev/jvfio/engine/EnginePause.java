package dev.jvfio.engine;

import java.util.concurrent.TimeUnit;

/**
 * A {@link CopyEngine} held still for a migration's STOP (MIG-1.7): while paused no chunk starts;
 * the copy in progress stops at its next chunk boundary and is kept as {@link EngineState.Suspended}
 * (how far it got), as is a doorbell rung while paused; {@link #resume} continues it on whichever
 * device runs next, this one or a migration's destination, so its completion interrupt is raised
 * once, by the side that finishes it. Guarded by the engine's monitor, like its registers.
 */
final class EnginePause {
    private final CopyEngine engine;
    private boolean paused;
    /** The copy handed to the worker, until it ends or suspends itself. */
    private CopyRun active;
    /** A copy the pause stopped, or a doorbell rung while paused; null when none. */
    private EngineState.Suspended suspended;

    EnginePause(CopyEngine engine) {
        this.engine = engine;
    }

    /** A doorbell's copy (engine monitor held): handed to the worker (returned), or held while paused (null). */
    CopyRun admit(CopyRun run) {
        if (paused) {
            suspended = new EngineState.Suspended(run.src(), run.dst(), run.length(), run.ctrl(), 0);
            return null;
        }
        active = run;
        return run;
    }

    /** At each chunk boundary: when paused, the copy records how far it got and stops (true). */
    boolean suspendIfPaused(CopyRun run, long done) {
        synchronized (engine) {
            if (!paused || active != run) {
                return false;
            }
            suspended = new EngineState.Suspended(run.src(), run.dst(), run.length(), run.ctrl(), done);
            return true;
        }
    }

    /** A copy's thread is done with it (finished, failed, stopped by a reset, or suspended). */
    void ended(CopyRun run) {
        synchronized (engine) {
            if (active == run) {
                active = null;
                engine.notifyAll();
            }
        }
    }

    /**
     * Pauses; true once no copy moves bytes. False if the chunk in flight did not end within the
     * limit: it reaches client memory by messages, which wait for the reply of the request that is
     * pausing the engine (VU-8.5), so it cannot end before that reply.
     */
    boolean pause(long limitNanos) {
        synchronized (engine) {
            paused = true;
            long deadline = System.nanoTime() + limitNanos;
            while (active != null) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(engine, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return true;
        }
    }

    /** RUNNING again: a suspended copy continues where it stopped, after the current request's reply. */
    void resume() {
        CopyRun run;
        synchronized (engine) {
            paused = false;
            if (suspended == null) {
                return;
            }
            run = engine.runFrom(suspended);
            suspended = null;
            active = run;
        }
        run.start();
    }

    /** The suspended copy, or null (engine monitor held). */
    EngineState.Suspended suspended() {
        return suspended;
    }

    /** A migrated engine's suspended copy replaces any of this one's (engine monitor held). */
    void restore(EngineState.Suspended s) {
        suspended = s;
    }

    /** A reset drops a suspended copy (engine monitor held). */
    void forget() {
        suspended = null;
    }
}
