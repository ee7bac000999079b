package dev.jvfio.jmh;

import dev.jvfio.device.RegionInfo;
import dev.jvfio.device.Vfio;
import dev.jvfio.nvgrace.NvGraceGpuDevice;
import dev.jvfio.os.MappedMemory;
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
 * A trapped 4-byte read of emulated BAR4 (usemem) of the GH200: the path a VMM takes when it does not
 * mmap the BAR (NV-4): policy gate, readiness check, bounds clip, copy out of device memory.
 *
 * <p>Floor ({@link #floor}): the same 4 bytes copied into the same destination straight from the
 * device's memfd, mapped here through the file and offset BAR4's region info hands out (what a
 * client's mmap sees).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(
        value = 1,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
public class Bar4ReadBenchmark {
    private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final long WINDOW = 2L << 20;

    /** An offset inside usemem, in a page touched at setup. Not final, so the JIT cannot fold it. */
    public long offset = 0x1040;

    private NvGraceGpuDevice gh200;
    private MappedMemory mapped;
    private MemorySegment direct;
    private Arena arena;
    private MemorySegment dst;

    // Error Prone wants Arena.ofShared() in a try-with-resources; the arena lives for the fixture and
    // tearDown() closes it.
    @Setup(Level.Trial)
    @SuppressWarnings("MustBeClosedChecker")
    public void setUp() throws Exception {
        gh200 = Gh200.open();
        RegionInfo info = gh200.regionInfo(Vfio.PCI_BAR4_REGION_INDEX);
        if (!info.mappable()) {
            throw new IllegalStateException("BAR4 of the GH200 should be mappable: " + info);
        }
        mapped = MappedMemory.map(info.file().fd(), info.file().fileOffset(), WINDOW, true);
        direct = mapped.segment();
        direct.set(LE32, offset, 0x1234_5678);
        arena = Arena.ofShared();
        dst = arena.allocate(4, 4);
        gh200.read(Vfio.PCI_BAR4_REGION_INDEX, offset, dst);
        if (dst.get(LE32, 0) != 0x1234_5678) {
            throw new IllegalStateException("the trapped read and the mapping disagree");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        mapped.close();
        gh200.close();
        arena.close();
    }

    @Benchmark
    public int trapped() throws Exception {
        gh200.read(Vfio.PCI_BAR4_REGION_INDEX, offset, dst);
        return dst.get(LE32, 0);
    }

    @Benchmark
    public int floor() {
        MemorySegment.copy(direct, offset, dst, 0, 4);
        return dst.get(LE32, 0);
    }
}
