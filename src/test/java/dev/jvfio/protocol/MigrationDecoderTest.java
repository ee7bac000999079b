package dev.jvfio.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.Seeds;
import dev.jvfio.device.Errno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The migration codecs (VU-10) against malformed, truncated and boundary input. */
class MigrationDecoderTest {
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment buf = arena.allocate(1 << 16);

    @AfterEach
    void close() {
        arena.close();
    }

    private MemorySegment feature(long argsz, int flags, int dataLength) {
        int n = DeviceFeatureMessage.encodeRequest(buf, 1, (int) argsz, flags, dataLength);
        return buf.asSlice(0, n);
    }

    @Test
    @DisplayName("VU-10.1 DEVICE_FEATURE: fields at 0 and 4 after the header; flag rules")
    void vu10_1_featureHeader() {
        DeviceFeatureMessage f = new DeviceFeatureMessage();
        assertThat(f.wrap(feature(8, DeviceFeatureMessage.GET | 2, 0))).isZero();
        assertThat(f.feature()).isEqualTo(2);
        assertThat(f.get()).isTrue();
        assertThat(f.dataLength()).isZero();
        assertThat(Wire.u32(buf, 16)).isEqualTo(8);
        assertThat(Wire.u32(buf, 20)).isEqualTo(0x1_0002);
        assertThat(f.wrap(feature(0xFFFF_FFFFL, DeviceFeatureMessage.SET | 2, 8)))
                .isZero();
        assertThat(f.argsz()).isEqualTo(0xFFFF_FFFFL);
        assertThat(f.wrap(feature(7, DeviceFeatureMessage.GET | 2, 0))).isEqualTo(Errno.EINVAL);
        assertThat(f.wrap(feature(8, 2, 0))).isEqualTo(Errno.EINVAL);
        assertThat(f.wrap(feature(8, DeviceFeatureMessage.GET | DeviceFeatureMessage.SET | 2, 0)))
                .isEqualTo(Errno.EINVAL);
        assertThat(f.wrap(feature(
                        8, DeviceFeatureMessage.PROBE | DeviceFeatureMessage.GET | DeviceFeatureMessage.SET | 2, 0)))
                .isZero();
        assertThat(f.wrap(feature(8, DeviceFeatureMessage.GET | 2 | (1 << 19), 0)))
                .isEqualTo(Errno.EINVAL);
        assertThat(f.wrap(buf.asSlice(0, Header.SIZE + 7))).isEqualTo(Errno.EINVAL);
    }

    @Test
    @DisplayName(
            "VU-10.12 DMA_LOGGING_START data: the range cap, the exact length, page sizes, aligned non-wrapping ranges")
    void vu10_12_control() {
        DmaLoggingControl c = new DmaLoggingControl();
        int n = DeviceFeatureMessage.SIZE
                + DmaLoggingControl.encode(buf, 512, new long[] {0x1000}, new long[] {0x2000});
        assertThat(c.wrap(buf.asSlice(0, n), 4)).isZero();
        assertThat(c.pageSize()).isEqualTo(4096);
        assertThat(c.requestedPageSize()).isEqualTo(512);
        assertThat(c.wrap(buf.asSlice(0, n - 1), 4)).isEqualTo(Errno.EINVAL);
        assertThat(c.wrap(buf.asSlice(0, n + 16), 4)).isEqualTo(Errno.EINVAL);
        assertThat(c.wrap(buf.asSlice(0, n), 0)).isEqualTo(Errno.E2BIG);
        Wire.putU32(buf, DeviceFeatureMessage.DATA + 8, -1); // 2^32 - 1 ranges announced
        assertThat(c.wrap(buf.asSlice(0, n), 1024)).isEqualTo(Errno.E2BIG);
        n = DeviceFeatureMessage.SIZE + DmaLoggingControl.encode(buf, 65536, new long[] {0x10000}, new long[] {0x1000});
        assertThat(c.wrap(buf.asSlice(0, n), 4)).isEqualTo(Errno.EINVAL);
        n = DeviceFeatureMessage.SIZE + DmaLoggingControl.encode(buf, 4096, new long[] {-0x1000L}, new long[] {0x2000});
        assertThat(c.wrap(buf.asSlice(0, n), 4)).isEqualTo(Errno.EOVERFLOW);
        n = DeviceFeatureMessage.SIZE + DmaLoggingControl.encode(buf, 6144, new long[0], new long[0]);
        assertThat(c.wrap(buf.asSlice(0, n), 4)).isEqualTo(Errno.EINVAL);
        n = DeviceFeatureMessage.SIZE + DmaLoggingControl.encode(buf, 1L << 63, new long[0], new long[0]);
        assertThat(c.wrap(buf.asSlice(0, n), 4)).isZero();
        assertThat(c.pageSize()).isEqualTo(1L << 63);
    }

    @Test
    @DisplayName(
            "VU-10.14 DMA_LOGGING_REPORT data: exactly three fields, whole pages of at least 4 KiB, no wrap; bitmap rounded to u64 words")
    void vu10_14_report() {
        DmaLoggingReport r = new DmaLoggingReport();
        int n = DeviceFeatureMessage.SIZE + DmaLoggingReport.encode(buf, 0x10000, 65 * 4096, 4096);
        assertThat(r.wrap(buf.asSlice(0, n))).isZero();
        assertThat(r.bitmapBytes()).isEqualTo(16);
        assertThat(r.pageShift()).isEqualTo(12);
        assertThat(r.wrap(buf.asSlice(0, n + 8))).isEqualTo(Errno.EINVAL);
        DmaLoggingReport.encode(buf, -0x1000L, 0x2000, 4096);
        assertThat(r.wrap(buf.asSlice(0, n))).isEqualTo(Errno.EOVERFLOW);
        DmaLoggingReport.encode(buf, 0x1000, 0x1000, 2048);
        assertThat(r.wrap(buf.asSlice(0, n))).isEqualTo(Errno.EINVAL);
        DmaLoggingReport.encode(buf, 0x1800, 0x1000, 4096);
        assertThat(r.wrap(buf.asSlice(0, n))).isEqualTo(Errno.EINVAL);
        DmaLoggingReport.encode(buf, 0, -4096L, 4096);
        assertThat(r.wrap(buf.asSlice(0, n))).isZero();
        assertThat(r.bitmapBytes()).isEqualTo(1L << 49); // huge, and the server refuses it by size
        assertThat(DmaLoggingReport.bitmapBytes(4096, 12)).isEqualTo(8);
        assertThat(DmaLoggingReport.bitmapBytes(64 * 4096, 12)).isEqualTo(8);
        assertThat(DmaLoggingReport.bitmapBytes(65 * 65536, 16)).isEqualTo(16);
    }

    @Test
    @DisplayName(
            "VU-10.9 VU-10.10 MIG_DATA_READ/WRITE: exact lengths, size within max_data_xfer_size, argsz covering the data")
    void vu10_9_migData() {
        MigDataMessage d = new MigDataMessage();
        int n = MigDataMessage.encodeReadRequest(buf, 1, 100);
        assertThat(d.wrap(buf.asSlice(0, n), false, 100)).isZero();
        assertThat(d.wrap(buf.asSlice(0, n), false, 99)).isEqualTo(Errno.E2BIG);
        assertThat(d.wrap(buf.asSlice(0, n + 1), false, 100)).isEqualTo(Errno.EINVAL);
        Wire.putU32(buf, 16, 107);
        assertThat(d.wrap(buf.asSlice(0, n), false, 100)).isEqualTo(Errno.EINVAL);
        n = MigDataMessage.encodeWriteRequest(buf, 1, 100);
        assertThat(d.wrap(buf.asSlice(0, n), true, 100)).isZero();
        assertThat(d.data().byteSize()).isEqualTo(100);
        assertThat(d.wrap(buf.asSlice(0, n - 1), true, 100)).isEqualTo(Errno.EINVAL);
        Wire.putU32(buf, 20, 1 << 31);
        assertThat(d.wrap(buf.asSlice(0, n), true, 1 << 20)).isEqualTo(Errno.E2BIG);
        n = MigDataMessage.encodeReadReply(buf, 3, 5);
        assertThat(n).isEqualTo(Header.SIZE + 8 + 5);
        assertThat(MigDataMessage.replySize(buf.asSlice(0, n))).isEqualTo(5);
        assertThat(MigDataMessage.replyArgsz(buf.asSlice(0, n))).isEqualTo(13);
    }

    @Test
    @DisplayName("VU-10 the migration decoders answer random bytes with 0 or an errno, never an exception")
    void vu10_randomBytes() {
        long seed = Seeds.of(0x16_17_18L);
        Random r = new Random(seed);
        DeviceFeatureMessage f = new DeviceFeatureMessage();
        DmaLoggingControl c = new DmaLoggingControl();
        DmaLoggingReport rep = new DmaLoggingReport();
        MigDataMessage d = new MigDataMessage();
        byte[] bytes = new byte[512];
        Set<Integer> answers = new TreeSet<>();
        for (int i = 0; i < 20_000; i++) {
            r.nextBytes(bytes);
            if (r.nextBoolean()) {
                Wire.putU32(MemorySegment.ofArray(bytes), Header.SIZE + 4, r.nextInt(4) << 16 | r.nextInt(10));
            }
            MemorySegment m = MemorySegment.ofArray(bytes).asSlice(0, Header.SIZE + r.nextInt(512 - Header.SIZE));
            answers.add(f.wrap(m));
            answers.add(c.wrap(m, 1024));
            answers.add(rep.wrap(m));
            answers.add(d.wrap(m, r.nextBoolean(), 1 << 20));
        }
        assertThat(answers)
                .as("seed %d", seed)
                .contains(0, Errno.EINVAL)
                .isSubsetOf(0, Errno.EINVAL, Errno.E2BIG, Errno.EOVERFLOW);
    }
}
