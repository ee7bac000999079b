package dev.jvfio.migration;

import dev.jvfio.client.VfioUserClient;
import dev.jvfio.device.Vfio;
import dev.jvfio.os.EventFd;
import dev.jvfio.os.Fd;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The test VMM's MSI-X eventfds, one per vector, as QEMU hands them to a device with SET_IRQS. The
 * same eventfds may be armed on two servers (the source and the destination of a migration), so an
 * interrupt that fires on both shows up as a count of 2.
 */
final class Vectors implements AutoCloseable {
    /** Only a broken device makes a test wait this long; nothing asserts on time. */
    static final Duration PATIENCE = Duration.ofSeconds(60);

    private final List<EventFd> fds = new ArrayList<>();

    Vectors(int count) throws Exception {
        for (int i = 0; i < count; i++) {
            fds.add(EventFd.create());
        }
    }

    /** SET_IRQS: every vector's eventfd as the MSI-X trigger of the device behind {@code client}. */
    void arm(VfioUserClient client) throws Exception {
        List<Fd> list = fds.stream().map(EventFd::fd).toList();
        client.setIrqEventfds(Vfio.PCI_MSIX_IRQ_INDEX, 0, list);
    }

    /**
     * Waits for vector {@code v} to fire and returns how many times it fired since it was last
     * taken (the eventfd's counter). Fails clearly after {@link #PATIENCE}.
     */
    long awaitCount(int v, String what) throws Exception {
        EventFd fd = fds.get(v);
        CompletableFuture<Long> taken = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("vector-" + v).start(() -> {
            try {
                taken.complete(fd.take());
            } catch (Exception e) {
                taken.completeExceptionally(e);
            }
        });
        try {
            return taken.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            fd.signal(); // lets the reader go
            throw new AssertionError("MSI-X vector " + v + " did not fire within " + PATIENCE + ": " + what);
        } catch (ExecutionException e) {
            throw new AssertionError("reading the eventfd of vector " + v, e.getCause());
        }
    }

    /** True if vector {@code v} has fired since it was last taken (its count is then dropped). */
    boolean fired(int v) throws Exception {
        return fds.get(v).await(Duration.ZERO);
    }

    @Override
    public void close() {
        fds.forEach(EventFd::close);
    }
}
