package dev.jvfio.server;

import dev.jvfio.device.Errno;
import dev.jvfio.procfs.AddressSpace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How many fd-backed DMA windows, and how many bytes of them, the clients of a process may have
 * mmap'ed at once (VU-6.1). Both are limits of the process, not of one device: servers that run
 * in one process share one budget, and each client may take at most a quarter of it, so a hostile
 * client of one device cannot starve the DMA maps of the other devices of the process.
 *
 * <ul>
 *   <li>Mappings: each window is a kernel mapping, and a process has at most vm.max_map_count of
 *       them (65530 by default). A client mapping its max_dma_maps (65535) windows would leave the
 *       JVM unable to map memory, and the JVM aborts, taking every device of the process with it.
 *       Half the limit stays for the JVM.</li>
 *   <li>Bytes: windows take address space. A client mapping ~1 TiB windows of a sparse memfd
 *       until mmap fails takes all of it, and the next thread the server starts (another device's
 *       session) cannot get a stack. Half the user address space is the budget; its size is the
 *       kernel's ({@link AddressSpace}), as an arm64 kernel with 39-bit VA has only 512 GiB.</li>
 * </ul>
 *
 * <p>Thread-safe: sessions of several servers charge it at once.
 */
public final class MappingBudget {
    /** What one client may take of each budget: a quarter. */
    private static final int CLIENT_SHARE_DIVISOR = 4;
    /** vm.max_map_count / 2 when the kernel cannot tell (half of its default 65530). */
    private static final int FALLBACK_MAPPINGS = 32765;
    /** Never fewer mappings than this, even on a kernel with a tiny vm.max_map_count. */
    private static final int MIN_MAPPINGS = 256;

    private final int maxMappings;
    private final long maxBytes;
    private final AtomicInteger mappings = new AtomicInteger();
    private final AtomicLong bytes = new AtomicLong();

    /** A budget of {@code maxMappings} windows and {@code maxBytes} bytes (tests use small ones). */
    MappingBudget(int maxMappings, long maxBytes) {
        if (maxMappings < CLIENT_SHARE_DIVISOR || maxBytes < CLIENT_SHARE_DIVISOR) {
            throw new IllegalArgumentException(
                    "budget too small: " + maxMappings + " mappings, " + maxBytes + " bytes");
        }
        this.maxMappings = maxMappings;
        this.maxBytes = maxBytes;
    }

    /**
     * A budget of half this process's vm.max_map_count and half its user address space. Servers
     * of one process should share the one budget this returns (see {@link VfioUserServer#start}).
     */
    public static MappingBudget ofThisProcess() {
        return new MappingBudget(halfMaxMapCount(), AddressSpace.userBytes() / 2);
    }

    private static int halfMaxMapCount() {
        try {
            // readAllLines, not readString: the latter returns a single byte of this procfs file
            long max = Long.parseLong(Files.readAllLines(Path.of("/proc/sys/vm/max_map_count"))
                    .getFirst()
                    .trim());
            return (int) Math.max(MIN_MAPPINGS, Math.min(Integer.MAX_VALUE, max / 2));
        } catch (IOException | RuntimeException e) {
            return FALLBACK_MAPPINGS;
        }
    }

    /** Windows one client may hold mmap'ed at once. */
    int clientMappings() {
        return maxMappings / CLIENT_SHARE_DIVISOR;
    }

    /** Bytes of mmap'ed windows one client may hold at once. */
    long clientBytes() {
        return maxBytes / CLIENT_SHARE_DIVISOR;
    }

    /**
     * The most windows one client can count on holding: the configured max_dma_maps, but never
     * more than its share of the mappings (beyond it an fd-backed map fails anyway). VERSION
     * announces this, so the announced max_dma_maps is the cap actually enforced (VU-3.3).
     */
    int windowCap(int configuredMaxDmaMaps) {
        return Math.min(configuredMaxDmaMaps, clientMappings());
    }

    /** Windows mmap'ed by all clients charged to this budget. */
    int mappingsInUse() {
        return mappings.get();
    }

    /** Bytes of windows mmap'ed by all clients charged to this budget. */
    long bytesInUse() {
        return bytes.get();
    }

    /** A new client's share of the budget, empty. */
    Share share() {
        return new Share();
    }

    /** What one client holds of the budget. Used by its session thread only. */
    final class Share {
        private int windows;
        private long windowBytes;

        private Share() {}

        /**
         * Charges one mmap'ed window of {@code size} bytes: 0, or ENOSPC beyond the client's or the
         * process's mappings, ENOMEM beyond its or the process's bytes (nothing charged then).
         */
        int take(long size) {
            if (windows >= clientMappings()) {
                return Errno.ENOSPC;
            }
            if (size < 0 || size > clientBytes() - windowBytes) {
                return Errno.ENOMEM;
            }
            if (mappings.incrementAndGet() > maxMappings) {
                mappings.decrementAndGet();
                return Errno.ENOSPC;
            }
            if (bytes.addAndGet(size) > maxBytes) {
                bytes.addAndGet(-size);
                mappings.decrementAndGet();
                return Errno.ENOMEM;
            }
            windows++;
            windowBytes += size;
            return 0;
        }

        /** Gives back a window that {@link #take} charged. */
        void giveBack(long size) {
            windows--;
            windowBytes -= size;
            mappings.decrementAndGet();
            bytes.addAndGet(-size);
        }

        /** Windows this client holds mmap'ed. */
        int windows() {
            return windows;
        }
    }
}
