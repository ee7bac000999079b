package dev.jvfio.pci;

import static dev.jvfio.RandomAccess.read;
import static dev.jvfio.RandomAccess.width;
import static dev.jvfio.RandomAccess.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.Seeds;
import dev.jvfio.device.Vfio;
import dev.jvfio.device.VfioException;
import dev.jvfio.fuzz.MessageGenerator;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;

/**
 * Properties of the PCI core's hostile-facing access paths (VfioDevice read/write of the config
 * region and the BARs) over seeded random offsets, widths and values, interleaved with random
 * config writes that flip decode enables, power states, MSI-X control and FLR:
 * <ul>
 *   <li>nothing but {@link VfioException} ever escapes;</li>
 *   <li>a config write never changes a read-only bit (neither writable nor write-1-to-clear), and
 *       never changes bytes outside the written range unless it started an FLR;</li>
 *   <li>a BAR write changes the memory behind the BAR only inside the written range (and not where
 *       the MSI-X table or PBA is emulated); a refused access changes nothing;</li>
 *   <li>a successful BAR read returns what the memory holds.</li>
 * </ul>
 * Replay with {@code -Djvfio.seed=N}; the seed is in every failure message.
 */
class AccessPropertyTest {
    static final long BASE_SEED = Seeds.of(0xC0F1_6000L);
    static final int ROUNDS = 5000;
    int barWrites;
    int configWrites;
    static final int CFG = Vfio.PCI_CONFIG_REGION_INDEX;

    @RepeatedTest(4)
    @DisplayName("PCI-1.2 random config and BAR accesses: only VfioException, read-only bits and untouched "
            + "memory never change")
    void pci_1_2_random_accesses_keep_invariants(RepetitionInfo rep) {
        long seed = BASE_SEED + rep.getCurrentRepetition();
        Random r = new Random(seed);
        VfioPciDevice d = TestFunction.build();
        int[] resets = new int[1];
        d.addResetListener(k -> resets[0]++);
        byte[] writable = d.config().writableBytes();
        byte[] w1c = d.config().w1cBytes();
        try (Arena arena = Arena.ofConfined()) {
            for (int i = 0; i < ROUNDS; i++) {
                String where = "seed " + seed + " round " + i + " (replay with -Djvfio.seed)";
                int kind = r.nextInt(10);
                try {
                    if (kind < 4) {
                        configWrite(d, r, arena, writable, w1c, resets, where);
                    } else if (kind < 8) {
                        barAccess(d, r, arena, where);
                    } else if (kind == 8) {
                        read(
                                d,
                                r.nextInt(4) == 0 ? MessageGenerator.interesting32(r) : r.nextInt(10),
                                offset(r, 4096),
                                width(r),
                                arena);
                    } else if (r.nextInt(8) == 0) {
                        d.reset();
                    } else {
                        // turn memory and I/O decode on again so BAR accesses get through often
                        write(d, CFG, PciHeader.COMMAND, new byte[] {3, 0}, arena);
                    }
                } catch (VfioException expected) {
                    // the only failure a hostile access may cause
                } catch (RuntimeException | Error e) {
                    if (e instanceof AssertionError a) {
                        throw a;
                    }
                    throw new AssertionError(where + ": " + e, e);
                }
            }
        } finally {
            d.close();
        }
        assertThat(barWrites)
                .as("seed " + seed + ": BAR writes that reached memory")
                .isPositive();
        assertThat(configWrites).as("seed " + seed + ": config writes accepted").isPositive();
    }

    private void configWrite(
            VfioPciDevice d, Random r, Arena arena, byte[] writable, byte[] w1c, int[] resets, String where)
            throws VfioException {
        int size = d.config().size();
        long off = r.nextInt(6) == 0 ? MessageGenerator.interesting(r) : r.nextInt(size + 8) - 4;
        int len = width(r);
        byte[] data = MessageGenerator.random(r, len);
        if (r.nextInt(4) == 0) {
            Arrays.fill(data, (byte) 0xFF);
        }
        byte[] before = d.config().bytes();
        int resetsBefore = resets[0];
        boolean ok = false;
        try {
            write(d, CFG, off, data, arena);
            ok = true;
            configWrites++;
        } finally {
            byte[] after = d.config().bytes();
            boolean flr = resets[0] != resetsBefore;
            for (int b = 0; b < size; b++) {
                int ro = ~(writable[b] | w1c[b]) & 0xFF;
                if ((after[b] & ro) != (before[b] & ro)) {
                    throw new AssertionError(where + ": read-only bits of config byte 0x" + Integer.toHexString(b)
                            + " changed by a write of " + len + " bytes at " + off);
                }
                boolean inside = ok && b >= off && b < off + len;
                if (!inside && !flr && after[b] != before[b]) {
                    throw new AssertionError(where + ": config byte 0x" + Integer.toHexString(b)
                            + " outside a write of " + len + " bytes at " + off + " changed");
                }
            }
        }
    }

    private void barAccess(VfioPciDevice d, Random r, Arena arena, String where) throws VfioException {
        int region = r.nextInt(6);
        PciBar bar = d.bar(region);
        MemorySegment mem = bar != null && bar.backing() instanceof RamBacking ram ? ram.segment() : null;
        long size = bar == null ? 4096 : bar.size();
        long off = offset(r, size);
        int len = width(r);
        byte[] before = mem == null ? null : mem.toArray(ValueLayout.JAVA_BYTE);
        if (r.nextBoolean()) {
            byte[] data = MessageGenerator.random(r, len);
            boolean ok = false;
            try {
                write(d, region, off, data, arena);
                ok = true;
                barWrites += mem != null && len > 0 ? 1 : 0;
            } finally {
                if (mem != null) {
                    byte[] after = mem.toArray(ValueLayout.JAVA_BYTE);
                    for (int b = 0; b < after.length; b++) {
                        boolean inside = ok && b >= off && b < off + len;
                        if (!inside && after[b] != before[b]) {
                            throw new AssertionError(where + ": BAR" + region + " byte 0x" + Integer.toHexString(b)
                                    + " outside a write of " + len + " bytes at 0x" + Long.toHexString(off)
                                    + " changed");
                        } else if (inside && !msix(region, b) && after[b] != data[(int) (b - off)]) {
                            throw new AssertionError(
                                    where + ": BAR" + region + " byte 0x" + Integer.toHexString(b) + " not written");
                        }
                    }
                }
            }
        } else {
            byte[] got;
            try {
                got = read(d, region, off, len, arena);
            } finally {
                if (mem != null) {
                    if (!Arrays.equals(mem.toArray(ValueLayout.JAVA_BYTE), before)) {
                        throw new AssertionError(where + ": a read changed BAR" + region);
                    }
                }
            }
            if (mem != null) {
                for (int b = 0; b < len; b++) {
                    if (!msix(region, off + b) && got[b] != before[(int) (off + b)]) {
                        throw new AssertionError(where + ": BAR" + region + " read at 0x" + Long.toHexString(off + b)
                                + " differs from memory");
                    }
                }
            }
        }
    }

    /** Whether BAR offset b of region is served by the emulated MSI-X table or PBA. */
    private static boolean msix(int region, long b) {
        return region == 0
                && ((b >= TestFunction.MSIX_TABLE && b < TestFunction.MSIX_TABLE + 16 * TestFunction.MSIX_VECTORS)
                        || (b >= TestFunction.MSIX_PBA && b < TestFunction.MSIX_PBA + 8));
    }

    static long offset(Random r, long size) {
        return switch (r.nextInt(5)) {
            case 0 -> MessageGenerator.interesting(r);
            case 1 -> size - r.nextInt(24) + 8;
            case 2 -> TestFunction.MSIX_TABLE + r.nextInt(160) - 16;
            default -> r.nextLong(Math.max(1, size));
        };
    }
}
