package dev.jvfio;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.device.VfioDevice;
import dev.jvfio.device.VfioException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

/** Region accesses of the property tests: random widths a hostile client would use, byte-array reads and writes. */
public final class RandomAccess {
    private RandomAccess() {}

    /** An access width: mostly 1, 2 or 4 bytes, sometimes 0, 8, odd sizes up to 300, or about a page. */
    public static int width(Random r) {
        return switch (r.nextInt(8)) {
            case 0 -> r.nextInt(300);
            case 1 -> 4096 + r.nextInt(3) - 1;
            case 2 -> 0;
            case 3 -> 8;
            default -> 1 << r.nextInt(3);
        };
    }

    public static void write(VfioDevice d, int region, long off, byte[] data, Arena arena) throws VfioException {
        MemorySegment s = arena.allocate(Math.max(1, data.length)).asSlice(0, data.length);
        MemorySegment.copy(data, 0, s, ValueLayout.JAVA_BYTE, 0, data.length);
        d.write(region, off, s);
    }

    /** Reads len bytes into a fresh array (zeros past what the device answered, which must be 0..len bytes). */
    public static byte[] read(VfioDevice d, int region, long off, int len, Arena arena) throws VfioException {
        MemorySegment s = arena.allocate(Math.max(1, len)).asSlice(0, len);
        int n = d.read(region, off, s);
        assertThat(n).isBetween(0, len);
        return s.toArray(ValueLayout.JAVA_BYTE);
    }
}
