package dev.jvfio.jmh;

import dev.jvfio.protocol.RegionAccessMessage;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The server's per-message protocol work for a REGION_READ, without socket or device: check and
 * decode the request with the {@link RegionAccessMessage} flyweight, place {@code count} data bytes
 * after the reply fields and encode the reply header and fields (what {@code Session.regionRead}
 * does around {@code device.read}).
 *
 * <p>Floor ({@link #floor}): copying the same bytes with {@link MemorySegment#copy} and nothing
 * else: the request into a scratch buffer, then a ready-made reply (fields and data) into the
 * output buffer. The ratio says what decoding, bounds checks and encoding cost on top of touching
 * those bytes.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(
        value = 1,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
public class ProtocolBenchmark {
    /** Data bytes of the read: a config-space dword, and a page. */
    @Param({"4", "4096"})
    public int count;

    private static final int REGION = 7;
    private static final long OFFSET = 0x40;
    private static final long MAX_XFER = 1 << 20;

    private Arena arena;
    private MemorySegment request;
    private MemorySegment scratch;
    private MemorySegment out;
    private MemorySegment data;
    private MemorySegment replyTemplate;
    private final RegionAccessMessage access = new RegionAccessMessage();
    private int id;

    // Error Prone wants Arena.ofShared() in a try-with-resources; the arena lives for the fixture and
    // tearDown() closes it.
    @Setup(Level.Trial)
    @SuppressWarnings("MustBeClosedChecker")
    public void setUp() {
        arena = Arena.ofShared();
        request = arena.allocate(RegionAccessMessage.SIZE, 8);
        RegionAccessMessage.encodeReadRequest(request, 1, OFFSET, REGION, count);
        scratch = arena.allocate(RegionAccessMessage.SIZE, 8);
        out = arena.allocate(RegionAccessMessage.DATA + count, 8);
        data = arena.allocate(count, 8);
        for (int i = 0; i < count; i++) {
            data.set(ValueLayout.JAVA_BYTE, i, (byte) i);
        }
        replyTemplate = arena.allocate(RegionAccessMessage.DATA + count, 8);
        RegionAccessMessage.encodeReadReply(replyTemplate, 1, OFFSET, REGION, count);
        MemorySegment.copy(data, 0, replyTemplate, RegionAccessMessage.DATA, count);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    /** Decode + bounds checks + data into place + encode the reply; returns the reply size. */
    @Benchmark
    public int regionRead() {
        int errno = access.wrap(request, false, MAX_XFER);
        if (errno != 0) {
            return -errno;
        }
        int n = access.count();
        long offset = access.offset();
        int region = (int) access.region();
        MemorySegment.copy(data, 0, out, RegionAccessMessage.DATA, n);
        return RegionAccessMessage.encodeReadReply(out, ++id, offset, region, n);
    }

    /** The same bytes moved by two plain copies: request in, reply (fields and data) out. */
    @Benchmark
    public long floor() {
        MemorySegment.copy(request, 0, scratch, 0, RegionAccessMessage.SIZE);
        MemorySegment.copy(replyTemplate, 0, out, 0, RegionAccessMessage.DATA + count);
        return out.byteSize();
    }
}
