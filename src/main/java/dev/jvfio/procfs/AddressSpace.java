package dev.jvfio.procfs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * How much virtual address space a process has: an architecture- and kernel-dependent number
 * that must not be hard-coded. x86-64 gives 128 TiB (47-bit user addresses); aarch64
 * gives 256 TiB with 48-bit VA (Debian's 4 and 64 KiB kernels), 128 TiB with 47-bit VA (16 KiB
 * pages) and only 512 GiB with 39-bit VA (some 4 KiB-page arm64 kernels).
 *
 * <p>The kernel puts the main thread's stack at the top of the user address space, so its end
 * address, rounded up to a power of two, is the size of that space.
 */
public final class AddressSpace {
    private AddressSpace() {}

    /** What x86-64 has (47-bit user addresses); used only if /proc/self/maps cannot tell. */
    static final long FALLBACK_BYTES = 1L << 47;

    private static volatile long user;

    /** Bytes of user virtual address space of this process; computed once. */
    public static long userBytes() {
        long u = user;
        if (u == 0) {
            try {
                u = fromMaps(Files.readAllLines(Path.of("/proc/self/maps")));
            } catch (IOException | RuntimeException e) {
                u = -1;
            }
            u = u > 0 ? u : FALLBACK_BYTES;
            user = u;
        }
        return u;
    }

    /**
     * The address-space size from /proc/PID/maps lines: the end of the {@code [stack]} mapping
     * rounded up to a power of two, or -1 if there is no stack line.
     */
    static long fromMaps(List<String> lines) {
        for (String line : lines) {
            if (!line.endsWith("[stack]")) {
                continue;
            }
            int dash = line.indexOf('-');
            int space = line.indexOf(' ', dash);
            if (dash < 0 || space < 0) {
                return -1;
            }
            long end = Long.parseUnsignedLong(line.substring(dash + 1, space), 16);
            if (end <= 0) {
                return -1; // a kernel address would be negative as a long: not a user stack
            }
            long high = Long.highestOneBit(end);
            return high == end ? end : high << 1;
        }
        return -1;
    }
}
