package dev.jvfio.server;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Held by a session thread from the receipt of a request to its reply (VU-8.5). Device work that
 * a request started (a DMA engine's doorbell) begins only once the client has its answer: QEMU
 * cannot serve the device while a vCPU waits for a reply under its big lock.
 *
 * <p>A request's device work is signalled by {@link #leave()}, right after the reply went out, so
 * the reply is not delayed by waking a worker, and the worker does not wake up only to wait here
 * and be woken again (each wake-up of a sleeping CPU costs tens of microseconds on a VM).
 */
final class ReplyGate {
    private final ReentrantLock serving = new ReentrantLock();
    /** Signals to run after the reply; touched only by the thread holding {@link #serving}. */
    private final List<Runnable> afterReply = new ArrayList<>();

    /** The session received a request. */
    void enter() {
        serving.lock();
    }

    /** The session answered it (or it needed no answer): runs the signals the request left. */
    void leave() {
        List<Runnable> signals = List.of();
        if (serving.getHoldCount() == 1 && !afterReply.isEmpty()) { // the outermost leave: the reply is out
            signals = List.copyOf(afterReply);
            afterReply.clear();
        }
        serving.unlock();
        for (Runnable signal : signals) {
            signal.run();
        }
    }

    /** True on the session thread while it serves a request. */
    boolean servingOnThisThread() {
        return serving.isHeldByCurrentThread();
    }

    /**
     * Runs {@code signal} (quick, non-blocking) after this thread's outermost {@link #leave()} when
     * it holds the gate, else at once: another thread's work waits in {@link #awaitReplySent()}.
     */
    void afterReply(Runnable signal) {
        if (serving.isHeldByCurrentThread()) {
            afterReply.add(signal);
        } else {
            signal.run();
        }
    }

    /** Waits until no request is being served; never call on the session thread. */
    void awaitReplySent() throws InterruptedException {
        if (serving.isHeldByCurrentThread()) {
            throw new IllegalStateException("the session thread cannot wait for its own reply");
        }
        serving.lockInterruptibly();
        serving.unlock();
    }
}
