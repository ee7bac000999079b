package dev.jvfio.server;

import java.util.concurrent.locks.ReentrantLock;

/**
 * Held by a session thread from the receipt of a request to its reply (VU-8.5). Device work that
 * a request started (a DMA engine's doorbell) waits here, so it begins only once the client has
 * its answer: QEMU cannot serve the device while a vCPU waits for a reply under its big lock.
 */
final class ReplyGate {
    private final ReentrantLock serving = new ReentrantLock();

    /** The session received a request. */
    void enter() {
        serving.lock();
    }

    /** The session answered it (or it needed no answer). */
    void leave() {
        serving.unlock();
    }

    /** True on the session thread while it serves a request. */
    boolean servingOnThisThread() {
        return serving.isHeldByCurrentThread();
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
