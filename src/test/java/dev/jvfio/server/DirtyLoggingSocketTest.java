package dev.jvfio.server;

import static dev.jvfio.server.MigrationMessages.GET;
import static dev.jvfio.server.MigrationMessages.SET;
import static dev.jvfio.server.MigrationMessages.call;
import static dev.jvfio.server.MigrationMessages.errno;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvfio.client.ClientMigration;
import dev.jvfio.client.ClientMigration.Range;
import dev.jvfio.client.RawMessage;
import dev.jvfio.client.VfioUserClient;
import dev.jvfio.client.VfioUserException;
import dev.jvfio.device.DmaSpace;
import dev.jvfio.device.Errno;
import dev.jvfio.os.Fd;
import dev.jvfio.os.Memfd;
import dev.jvfio.protocol.Command;
import dev.jvfio.protocol.Header;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * DMA dirty logging over a socket (VU-10.12 to VU-10.14): the device writes into client memory
 * through fd-backed windows and by DMA_WRITE messages, and the reports say exactly which pages,
 * across window boundaries and gaps, at 4 KiB and 64 KiB; plus every malformed request.
 */
@Timeout(120)
class DirtyLoggingSocketTest {
    static final long MIB = 1 << 20;
    /** Two adjacent windows (a range straddles them), a third after a gap, and one without an fd. */
    static final long W1 = MIB;

    static final long W2 = 2 * MIB;
    static final long W3 = 4 * MIB;
    static final long W3_SIZE = 256 * 1024;
    static final long MSG = 8 * MIB;

    MigrationServer server;
    VfioUserClient c;
    ClientMigration m;
    Fd guest;

    @BeforeEach
    void start() throws Exception {
        server = MigrationServer.start(new RecordingMigration(true, "s".getBytes()));
        c = VfioUserClient.connect(server.socket());
        m = c.migration();
        guest = Memfd.create("guest", 4 * MIB);
        c.dmaMap(guest, 0, W1, MIB, true, true);
        c.dmaMap(guest, MIB, W2, MIB, true, true);
        c.dmaMap(guest, 2 * MIB, W3, W3_SIZE, true, true);
        c.dmaMap(null, 0, MSG, 64 * 1024, true, true);
    }

    @AfterEach
    void stop() throws Exception {
        c.close();
        guest.close();
        server.close();
    }

    DmaSpace dma() {
        return server.device().dma();
    }

    void write(long iova, int n) throws Exception {
        dma().write(iova, MemorySegment.ofArray(new byte[n]));
    }

    /** The pages (of {@code page} bytes from {@code iova}) a report says were written. */
    BitSet report(long iova, long length, long page) throws Exception {
        return BitSet.valueOf(m.dirtyBitmap(iova, length, page));
    }

    static BitSet bits(int... set) {
        BitSet b = new BitSet();
        for (int i : set) {
            b.set(i);
        }
        return b;
    }

    @Test
    @DisplayName(
            "VU-10.13 VU-10.14 4 KiB pages: writes (one straddling two windows) are reported exactly, reads are not, reading clears")
    void vu10_14_fourKiB() throws Exception {
        assertThat(m.startDirtyLogging(4096, List.of(new Range(W1, 2 * MIB), new Range(W3, W3_SIZE))))
                .isEqualTo(4096);
        write(W1, 1); // page 0
        write(W1 + 5 * 4096 + 4095, 1); // page 5, its last byte
        write(W2 - 100, 200); // pages 255 and 256: across the W1/W2 boundary
        write(W2 + MIB - 4096, 4096); // page 511, exactly
        dma().read(W1 + 100 * 4096, MemorySegment.ofArray(new byte[3 * 4096])); // reads: nothing
        write(W3 + 8192, 1);
        assertThat(report(W1, 2 * MIB, 4096)).isEqualTo(bits(0, 5, 255, 256, 511));
        assertThat(report(W1, 2 * MIB, 4096)).isEqualTo(new BitSet());
        assertThat(report(W3, W3_SIZE, 4096)).isEqualTo(bits(2));
        // a range that starts inside W1 and ends inside W2
        write(W2 - 3 * 4096, 6 * 4096);
        assertThat(report(W2 - 4 * 4096, 8 * 4096, 4096)).isEqualTo(bits(1, 2, 3, 4, 5, 6));
    }

    @Test
    @DisplayName(
            "VU-10.14 64 KiB tracking: reported in 64 KiB pages, in finer 4 KiB pages (the tracked page's bit repeated) and in coarser 128 KiB pages (or'ed)")
    void vu10_14_sixtyFourKiB() throws Exception {
        long p = 64 * 1024;
        assertThat(m.startDirtyLogging(p, List.of(new Range(W1, 2 * MIB)))).isEqualTo(p);
        write(W1 + 1, 1); // tracked page 0
        write(W2 - 1, 2); // tracked pages 15 and 16
        write(W1 + 20 * p + 7, 1); // tracked page 20
        assertThat(report(W1, 2 * MIB, p)).isEqualTo(bits(0, 15, 16, 20));
        write(W1 + 1, 1);
        write(W2 - 1, 2);
        BitSet fine = report(W1, 2 * MIB, 4096);
        BitSet expected = new BitSet();
        expected.set(0, 16);
        expected.set(15 * 16, 17 * 16);
        assertThat(fine).isEqualTo(expected);
        write(W1 + 3 * p, 1);
        write(W1 + 20 * p, 1);
        assertThat(report(W1, 2 * MIB, 2 * p)).isEqualTo(bits(1, 10));
    }

    @Test
    @DisplayName("VU-10.14 a report of part of a tracked page says it is dirty but does not clear it")
    void vu10_14_partialPageKept() throws Exception {
        long p = 64 * 1024;
        m.startDirtyLogging(p, List.of(new Range(W1, MIB)));
        write(W1 + 4096 * 3, 1);
        assertThat(report(W1, 4096 * 8, 4096)).isEqualTo(bits(0, 1, 2, 3, 4, 5, 6, 7));
        assertThat(report(W1, p, p)).isEqualTo(bits(0));
        assertThat(report(W1, p, p)).isEqualTo(new BitSet());
    }

    @Test
    @DisplayName("VU-10.13 writes by DMA_WRITE messages (a window without an fd) are logged too")
    void vu10_13_messageDma() throws Exception {
        m.startDirtyLogging(4096, List.of());
        CompletableFuture<Void> w = CompletableFuture.runAsync(() -> {
            try {
                write(MSG + 4096 * 2 + 10, 8192);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        RawMessage req = c.receiveRaw();
        assertThat(req.command()).isEqualTo(Command.DMA_WRITE);
        byte[] bare = new byte[Header.SIZE];
        Header.reply(MemorySegment.ofArray(bare), req.id(), Command.DMA_WRITE, Header.SIZE);
        c.sendRaw(bare);
        w.get();
        assertThat(report(MSG, 64 * 1024, 4096)).isEqualTo(bits(2, 3, 4));
    }

    @Test
    @DisplayName(
            "VU-10.12 STOP ends logging: later writes are not marked, REPORT is EINVAL, a new START begins empty; START twice is EBUSY")
    void vu10_12_stopAndRestart() throws Exception {
        m.startDirtyLogging(4096, List.of());
        assertThatThrownBy(() -> m.startDirtyLogging(4096, List.of()))
                .isInstanceOfSatisfying(
                        VfioUserException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EBUSY));
        write(W1, 1);
        m.stopDirtyLogging();
        m.stopDirtyLogging(); // stopping when off succeeds
        write(W1 + 4096, 1);
        assertThatThrownBy(() -> report(W1, MIB, 4096))
                .isInstanceOfSatisfying(
                        VfioUserException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
        m.startDirtyLogging(4096, List.of());
        assertThat(report(W1, MIB, 4096)).isEqualTo(new BitSet());
    }

    @Test
    @DisplayName(
            "VU-10.12 a page size below 4 KiB is raised to 4 KiB and the reply says so; 0 and non-powers of two are EINVAL")
    void vu10_12_pageSize() throws Exception {
        assertThat(m.startDirtyLogging(512, List.of(new Range(W1, MIB)))).isEqualTo(4096);
        m.stopDirtyLogging();
        for (long bad : new long[] {0, 3, 4097, 0x3000, -1L}) {
            assertThatThrownBy(() -> m.startDirtyLogging(bad, List.of()))
                    .as("page %d", bad)
                    .isInstanceOfSatisfying(
                            VfioUserException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
        }
    }

    @Test
    @DisplayName(
            "VU-10.12 ranges that overflow (EOVERFLOW), overlap, are empty or unaligned (EINVAL) are refused; nothing is logged")
    void vu10_12_badRanges() throws Exception {
        long top = -4096L;
        Object[][] bad = {
            {new long[] {top, 8192}, Errno.EOVERFLOW},
            {new long[] {top, 4096}, Errno.EOVERFLOW},
            {new long[] {0, -1L & ~4095L}, 0}, // the whole space but the last page: fine
            {new long[] {W1, MIB, W1 + MIB - 4096, 8192}, Errno.EINVAL},
            {new long[] {W1, 0}, Errno.EINVAL},
            {new long[] {W1 + 1, 4096}, Errno.EINVAL},
            {new long[] {W1, 4095}, Errno.EINVAL},
        };
        for (Object[] b : bad) {
            long[] r = (long[]) b[0];
            RawMessage reply = call(
                    c, MigrationMessages.feature(c.nextMessageId(), SET | 6, MigrationMessages.loggingStart(4096, r)));
            assertThat(errno(reply)).as(Arrays.toString(r)).isEqualTo((int) b[1]);
            m.stopDirtyLogging();
        }
    }

    @Test
    @DisplayName(
            "VU-10.12 at most 1024 ranges: 1024 are taken, 1025 and 10^6 (announced, or sent: 16 MB) are E2BIG, memory stays bounded")
    void vu10_12_rangeCap() throws Exception {
        long[] ranges = new long[2 * 1024];
        for (int i = 0; i < 1024; i++) {
            ranges[2 * i] = (long) i << 20;
            ranges[2 * i + 1] = 4096;
        }
        assertThat(errno(call(c, MigrationMessages.feature(1, SET | 6, MigrationMessages.loggingStart(4096, ranges)))))
                .isZero();
        m.stopDirtyLogging();
        long[] more = Arrays.copyOf(ranges, ranges.length + 2);
        more[ranges.length] = 1L << 40;
        more[ranges.length + 1] = 4096;
        assertThat(errno(call(c, MigrationMessages.feature(2, SET | 6, MigrationMessages.loggingStart(4096, more)))))
                .isEqualTo(Errno.E2BIG);
        byte[] announced = ByteBuffer.allocate(16)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putLong(4096)
                .putInt(1_000_000)
                .putInt(0)
                .array();
        assertThat(errno(call(c, MigrationMessages.feature(3, 0xFFFF_FFFFL, SET | 6, announced))))
                .isEqualTo(Errno.E2BIG);
        ByteBuffer million = ByteBuffer.allocate(16 + 16 * 1_000_000)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putLong(4096)
                .putInt(1_000_000)
                .putInt(0);
        for (int i = 0; i < 1_000_000; i++) {
            million.putLong((long) i << 16).putLong(4096);
        }
        assertThat(errno(call(c, MigrationMessages.feature(4, 0xFFFF_FFFFL, SET | 6, million.array()))))
                .isEqualTo(Errno.E2BIG);
        assertThatThrownBy(() -> report(0, 4096, 4096)).isInstanceOf(VfioUserException.class);
        m.startDirtyLogging(4096, List.of());
        write(W1, 1);
        assertThat(report(W1, 4096, 4096)).isEqualTo(bits(0));
    }

    @Test
    @DisplayName(
            "VU-10.14 REPORT: outside the logged ranges, unaligned, pages below 4 KiB, argsz too small (EINVAL), overflowing (EOVERFLOW), a bitmap beyond max_data_xfer_size (E2BIG)")
    void vu10_14_badReports() throws Exception {
        m.startDirtyLogging(4096, List.of(new Range(W1, 2 * MIB)));
        Object[][] bad = {
            {MigrationMessages.report(W1 - 4096, 8192, 4096), 8 + 24 + 8L, Errno.EINVAL},
            {MigrationMessages.report(W1, 2 * MIB + 4096, 4096), 8 + 24 + 128L, Errno.EINVAL},
            {MigrationMessages.report(W1 + 512, 4096, 4096), 8 + 24 + 8L, Errno.EINVAL},
            {MigrationMessages.report(W1, 4096 + 512, 4096), 8 + 24 + 8L, Errno.EINVAL},
            {MigrationMessages.report(W1, 4096, 2048), 8 + 24 + 8L, Errno.EINVAL},
            {MigrationMessages.report(W1, 4096, 3 << 12), 8 + 24 + 8L, Errno.EINVAL},
            {MigrationMessages.report(W1, 0, 4096), 8 + 24 + 8L, Errno.EINVAL},
            {MigrationMessages.report(W1, 4096, 4096), 8 + 24 + 7L, Errno.EINVAL},
            {MigrationMessages.report(-4096L, 8192, 4096), 0xFFFF_FFFFL, Errno.EOVERFLOW},
        };
        for (Object[] b : bad) {
            RawMessage r = call(c, MigrationMessages.feature(c.nextMessageId(), (long) b[1], GET | 8, (byte[]) b[0]));
            assertThat(errno(r)).isEqualTo((int) b[2]);
        }
        m.stopDirtyLogging();
        m.startDirtyLogging(4096, List.of());
        long max = Math.min(c.maxTransfer(), c.serverCapabilities().maxDataXferSize());
        long most = max * 8 * 4096; // the longest range whose bitmap fits
        assertThat(report(0, most, 4096)).isEqualTo(new BitSet());
        RawMessage r = call(
                c,
                MigrationMessages.feature(
                        9, 0xFFFF_FFFFL, GET | 8, MigrationMessages.report(0, most + 64 * 4096, 4096)));
        assertThat(errno(r)).isEqualTo(Errno.E2BIG);
        r = call(c, MigrationMessages.feature(10, 0xFFFF_FFFFL, GET | 8, MigrationMessages.report(0, 1L << 62, 4096)));
        assertThat(errno(r)).isEqualTo(Errno.E2BIG);
    }

    @ParameterizedTest(name = "VU-10.11 logging ends with the client ({0} ranges)")
    @ValueSource(ints = {0, 2})
    void vu10_11_loggingEndsWithClient(int ranges) throws Exception {
        m.startDirtyLogging(4096, ranges == 0 ? List.of() : List.of(new Range(W1, MIB), new Range(W2, MIB)));
        write(W1, 1);
        c.close();
        server.awaitNoClient();
        try (VfioUserClient next = VfioUserClient.connect(server.socket())) {
            assertThatThrownBy(() -> next.migration().dirtyBitmap(W1, 4096, 4096))
                    .isInstanceOfSatisfying(
                            VfioUserException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
        }
    }
}
