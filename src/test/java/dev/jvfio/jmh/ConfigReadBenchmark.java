package dev.jvfio.jmh;

import dev.jvfio.device.Vfio;
import dev.jvfio.nvgrace.NvGraceGpuDevice;
import dev.jvfio.pci.VfioPciDevice;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * A 4-byte config-space read (region 7), the most frequent trapped access a guest makes, in process:
 * through the GH200 variant ({@link NvGraceGpuDevice#read}: core read + overlay of the emulated BAR
 * registers), and through the PCI core alone ({@link VfioPciDevice#read}).
 *
 * <p>Floor ({@link #floor}): a plain little-endian int {@code get} from a 4 KiB native segment at
 * the same offset: what reading a config image costs with no device model at all.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(
        value = 1,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
public class ConfigReadBenchmark {
    private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Vendor/device id: no emulated register overlaps it. Not final, so the JIT cannot fold it. */
    public long idOffset = 0x00;
    /** BAR4's low dword: answered from the variant's shadow (NV-3). */
    public long bar4Offset = 0x20;

    private NvGraceGpuDevice gh200;
    private VfioPciDevice core;
    private Arena arena;
    private MemorySegment dst;
    private MemorySegment image;

    // Error Prone wants Arena.ofShared() in a try-with-resources; the arena lives for the fixture and
    // tearDown() closes it.
    @Setup(Level.Trial)
    @SuppressWarnings("MustBeClosedChecker")
    public void setUp() throws Exception {
        gh200 = Gh200.open();
        core = gh200.core();
        arena = Arena.ofShared();
        dst = arena.allocate(4, 4);
        image = arena.allocate(4096, 8);
        gh200.read(Vfio.PCI_CONFIG_REGION_INDEX, 0, image.asSlice(0, 256));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        gh200.close();
        arena.close();
    }

    @Benchmark
    public int gh200() throws Exception {
        gh200.read(Vfio.PCI_CONFIG_REGION_INDEX, idOffset, dst);
        return dst.get(LE32, 0);
    }

    @Benchmark
    public int gh200EmulatedBar4() throws Exception {
        gh200.read(Vfio.PCI_CONFIG_REGION_INDEX, bar4Offset, dst);
        return dst.get(LE32, 0);
    }

    @Benchmark
    public int pciCore() throws Exception {
        core.read(Vfio.PCI_CONFIG_REGION_INDEX, idOffset, dst);
        return dst.get(LE32, 0);
    }

    @Benchmark
    public int floor() {
        return image.get(LE32, idOffset);
    }
}
