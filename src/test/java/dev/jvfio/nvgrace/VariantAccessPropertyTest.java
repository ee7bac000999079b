package dev.jvfio.nvgrace;

import static dev.jvfio.RandomAccess.read;
import static dev.jvfio.RandomAccess.width;
import static dev.jvfio.RandomAccess.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.Seeds;
import dev.jvfio.device.RegionInfo;
import dev.jvfio.device.Vfio;
import dev.jvfio.device.VfioException;
import dev.jvfio.fuzz.MessageGenerator;
import dev.jvfio.os.MappedMemory;
import dev.jvfio.profile.DeviceProfiles;
import dev.jvfio.profile.GpuOptions;
import dev.jvfio.profile.GpuProfile;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Properties of the nvgrace variant's hostile-facing access paths over seeded random offsets,
 * widths and values (config space with the emulated BAR registers, the emulated memory BARs and
 * every other region), interleaved with config writes that flip memory enable, D3hot and FLR:
 * <ul>
 *   <li>nothing but {@link VfioException} escapes;</li>
 *   <li>read-only config bits of the core never change; the emulated BAR2/BAR4 registers always
 *       read back their type bits (64-bit prefetchable, NV-3.3);</li>
 *   <li>device memory outside the written range is unchanged, checked through mmap windows at the
 *       start and at the end of each memory slice; inside it holds either the old or the written
 *       bytes (policy IGNORE: always the written bytes below the memory length, NV-4.1).</li>
 * </ul>
 * Replay with {@code -Djvfio.seed=N}; the seed is in every failure message.
 */
class VariantAccessPropertyTest {
    static final long MiB = 1L << 20;
    static final long GiB = 1L << 30;
    static final long MEMORY = 2 * GiB + 768 * MiB;
    static final long BASE_SEED = Seeds.of(0x6E_6AC3L);
    static final int ROUNDS = 4000;
    static final int CFG = Vfio.PCI_CONFIG_REGION_INDEX;
    static final int WINDOW = 64 * 1024;

    /** A mapped view of device memory: BAR region, BAR offset, and what it held last time we looked. */
    record Window(int region, long barOffset, MappedMemory map, byte[] expected) {}

    @ParameterizedTest
    @EnumSource(MemoryEnablePolicy.class)
    @DisplayName("NV-3.3 NV-4.1 random config and memory-BAR accesses: only VfioException, read-only and type "
            + "bits never change, memory outside the written range unchanged")
    void nv_4_1_random_accesses_keep_invariants(MemoryEnablePolicy policy) throws Exception {
        long seed = BASE_SEED + policy.ordinal();
        Random r = new Random(seed);
        FakeTime time = new FakeTime();
        NvGraceGpuDevice d = DeviceProfiles.createGpu(
                GpuProfile.GH200, GpuOptions.defaults().withMemorySize(MEMORY).withPolicy(policy), time, time);
        List<Window> windows = new ArrayList<>();
        int memoryWrites = 0;
        try (Arena arena = Arena.ofConfined()) {
            MemoryLayout layout = d.memoryLayout().orElseThrow();
            byte[] writable = d.core().config().writableBytes();
            byte[] w1c = d.core().config().w1cBytes();
            for (int region : new int[] {Vfio.PCI_BAR2_REGION_INDEX, Vfio.PCI_BAR4_REGION_INDEX}) {
                RegionInfo info = d.regionInfo(region);
                MemRegion mr = layout.forRegion(region).orElseThrow();
                if (info.file() == null) {
                    continue; // STRICT offers no mmap: only the "nothing but VfioException" property
                }
                for (long at : new long[] {0, mr.length() - WINDOW}) {
                    MappedMemory m =
                            MappedMemory.map(info.file().fd(), info.file().fileOffset() + at, WINDOW, false);
                    windows.add(new Window(region, at, m, m.segment().toArray(ValueLayout.JAVA_BYTE)));
                }
            }
            write(d, CFG, 4, new byte[] {2}, arena); // memory decode on
            for (int i = 0; i < ROUNDS; i++) {
                String where = "seed " + seed + " round " + i + " policy " + policy + " (replay with -Djvfio.seed)";
                try {
                    switch (r.nextInt(10)) {
                        case 0, 1, 2 -> configWrite(d, r, arena, writable, w1c, where);
                        case 3 ->
                            read(
                                    d,
                                    r.nextInt(4) == 0 ? MessageGenerator.interesting32(r) : r.nextInt(11),
                                    r.nextInt(3) == 0 ? MessageGenerator.interesting(r) : r.nextInt(8192),
                                    width(r),
                                    arena);
                        case 4 -> write(d, CFG, 4, new byte[] {2}, arena);
                        default -> memoryWrites += memoryWrite(d, r, layout, windows, policy, arena, where);
                    }
                } catch (VfioException expected) {
                    // the only failure a hostile access may cause
                } catch (RuntimeException | Error e) {
                    if (e instanceof AssertionError a) {
                        throw a;
                    }
                    throw new AssertionError(where + ": " + e, e);
                }
                checkBarTypeBits(d, layout, arena, where);
            }
        } finally {
            windows.forEach(w -> w.map().close());
            d.close();
        }
        if (policy != MemoryEnablePolicy.STRICT) {
            assertThat(memoryWrites)
                    .as("seed " + seed + ": memory writes that landed in a window")
                    .isPositive();
        }
    }

    private static void checkBarTypeBits(NvGraceGpuDevice d, MemoryLayout layout, Arena arena, String where)
            throws VfioException {
        // one dword each: a request spanning both pairs is matched against BAR2 only (EmulatedBars)
        if (layout.resmem().isPresent()) {
            assertThat(read(d, CFG, 0x18, 4, arena)[0] & 0xF)
                    .as(where + ": BAR2 type bits")
                    .isEqualTo(0xC);
        }
        assertThat(read(d, CFG, 0x20, 4, arena)[0] & 0xF)
                .as(where + ": BAR4 type bits")
                .isEqualTo(0xC);
    }

    private static void configWrite(
            NvGraceGpuDevice d, Random r, Arena arena, byte[] writable, byte[] w1c, String where) throws VfioException {
        int size = writable.length;
        long off = r.nextInt(6) == 0 ? MessageGenerator.interesting(r) : r.nextInt(size + 8) - 4;
        int len = width(r);
        byte[] data = MessageGenerator.random(r, len);
        if (r.nextInt(3) == 0) {
            Arrays.fill(data, (byte) 0xFF); // BAR sizing and "all ones" writes
        }
        byte[] before = d.core().config().bytes();
        try {
            write(d, CFG, off, data, arena);
        } finally {
            byte[] after = d.core().config().bytes();
            for (int b = 0; b < size; b++) {
                int ro = ~(writable[b] | w1c[b]) & 0xFF;
                if ((after[b] & ro) != (before[b] & ro)) {
                    throw new AssertionError(where + ": read-only bits of core config byte 0x" + Integer.toHexString(b)
                            + " changed by a write of " + len + " bytes at " + off);
                }
            }
        }
    }

    /** Returns 1 when the write overlapped a window (so the property was exercised). */
    private static int memoryWrite(
            NvGraceGpuDevice d,
            Random r,
            MemoryLayout layout,
            List<Window> windows,
            MemoryEnablePolicy policy,
            Arena arena,
            String where)
            throws VfioException {
        int region = r.nextBoolean() ? Vfio.PCI_BAR4_REGION_INDEX : Vfio.PCI_BAR2_REGION_INDEX;
        MemRegion mr = layout.forRegion(region).orElseThrow();
        long off;
        int len;
        int pick = r.nextInt(6);
        if (pick < 4 && !windows.isEmpty()) {
            Window w = windows.get(r.nextInt(windows.size()));
            region = w.region();
            mr = layout.forRegion(region).orElseThrow();
            off = w.barOffset() + r.nextInt(WINDOW + 64) - 32;
            len = width(r);
        } else if (pick == 4) {
            off = mr.length() - r.nextInt(16) + r.nextInt(16); // across the end of memory
            len = r.nextInt(32);
        } else {
            off = r.nextInt(3) == 0 ? MessageGenerator.interesting(r) : r.nextLong(mr.barSize() + 16);
            len = r.nextInt(16);
        }
        byte[] data = MessageGenerator.random(r, len);
        boolean ok = false;
        int overlapped = 0;
        try {
            write(d, region, off, data, arena);
            ok = true;
        } finally {
            for (Window w : windows) {
                byte[] now = w.map().segment().toArray(ValueLayout.JAVA_BYTE);
                int lo = WINDOW;
                int hi = WINDOW;
                if (ok && w.region() == region) {
                    lo = (int) Math.max(0, Math.min(WINDOW, off - w.barOffset()));
                    hi = (int) Math.max(lo, Math.min(WINDOW, off + len - w.barOffset()));
                }
                int bad = Arrays.mismatch(now, 0, lo, w.expected(), 0, lo);
                if (bad < 0) {
                    bad = Arrays.mismatch(now, hi, WINDOW, w.expected(), hi, WINDOW);
                    bad = bad < 0 ? -1 : bad + hi;
                }
                assertThat(bad)
                        .as(
                                where + ": BAR%d byte 0x%x outside a write of %d bytes at 0x%x to BAR%d changed",
                                w.region(),
                                w.barOffset() + bad,
                                len,
                                off,
                                region)
                        .isEqualTo(-1);
                for (int b = lo; b < hi; b++) {
                    overlapped = 1;
                    long barOff = w.barOffset() + b;
                    byte written = data[(int) (barOff - off)];
                    if (policy == MemoryEnablePolicy.IGNORE && barOff < mr.length()) {
                        if (now[b] != written) {
                            throw new AssertionError(
                                    where + ": BAR" + region + " byte 0x" + Long.toHexString(barOff) + " not written");
                        }
                    } else if (now[b] != written && now[b] != w.expected()[b]) {
                        throw new AssertionError(where + ": BAR" + region + " byte 0x" + Long.toHexString(barOff)
                                + " neither old nor written");
                    }
                    w.expected()[b] = now[b];
                }
            }
        }
        return overlapped;
    }
}
