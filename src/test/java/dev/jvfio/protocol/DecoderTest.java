package dev.jvfio.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.Seeds;
import dev.jvfio.device.Errno;
import dev.jvfio.device.MappableFile;
import dev.jvfio.device.RegionInfo;
import dev.jvfio.device.RegionType;
import dev.jvfio.device.SparseArea;
import dev.jvfio.device.Vfio;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every decoder against truncated, oversized, misaligned and out-of-range input. */
class DecoderTest {
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment buf = arena.allocate(1 << 16);

    @AfterEach
    void close() {
        arena.close();
    }

    private MemorySegment msg(int size) {
        return buf.asSlice(0, size);
    }

    @Test
    @DisplayName("VU-2.1 header fields are little-endian at fixed offsets")
    void vu_2_1_header_layout() {
        Header.write(buf, 0x1234, Command.REGION_READ, 0x20, Header.TYPE_REPLY | Header.FLAG_ERROR, 22);
        assertThat(buf.asSlice(0, 16).toArray(ValueLayout.JAVA_BYTE))
                .containsExactly(0x34, 0x12, 9, 0, 0x20, 0, 0, 0, 0x21, 0, 0, 0, 22, 0, 0, 0);
        assertThat(Header.isReply(buf)).isTrue();
        assertThat(Header.isError(buf)).isTrue();
        assertThat(Header.noReply(buf)).isFalse();
    }

    @Test
    @DisplayName("VU-2.2 an error reply is the header alone with the error bit and errno")
    void vu_2_2_error_reply() {
        int n = Header.errorReply(buf, 9, Command.DMA_MAP, Errno.EEXIST);
        assertThat(n).isEqualTo(16);
        assertThat(Header.size(buf)).isEqualTo(16);
        assertThat(Header.flags(buf)).isEqualTo(0x21);
        assertThat(Header.error(buf)).isEqualTo(Errno.EEXIST);
        assertThat(Header.id(buf)).isEqualTo(9);
        assertThat(Header.command(buf)).isEqualTo(Command.DMA_MAP);
    }

    // ---- VERSION ----

    @Test
    @DisplayName("VU-3.1 VERSION: truncated payload, missing NUL, embedded NUL, oversized JSON")
    void vu_3_1_version_rejects() {
        VersionMessage v = new VersionMessage();
        Header.request(buf, 1, Command.VERSION, 18, false);
        assertThat(v.wrap(msg(18))).isEqualTo(Errno.EINVAL); // truncated
        byte[] json = "{}".getBytes();
        MemorySegment.copy(json, 0, buf, ValueLayout.JAVA_BYTE, 20, 2);
        assertThat(v.wrap(msg(22))).isEqualTo(Errno.EINVAL); // no NUL
        buf.set(ValueLayout.JAVA_BYTE, 22, (byte) 0);
        assertThat(v.wrap(msg(23))).isZero();
        buf.set(ValueLayout.JAVA_BYTE, 20, (byte) 0);
        assertThat(v.wrap(msg(23))).isEqualTo(Errno.EINVAL); // NUL inside
        assertThat(v.wrap(msg(20 + Capabilities.MAX_JSON_BYTES + 2))).isEqualTo(Errno.E2BIG);
        assertThat(v.wrap(msg(20))).isZero(); // no JSON at all: defaults
        assertThat(v.capabilities()).isEqualTo(Capabilities.DEFAULTS);
    }

    // ---- DMA_MAP / DMA_UNMAP ----

    @Test
    @DisplayName("VU-6.1 DMA_MAP decodes the 32-byte struct")
    void vu_6_1_dma_map_fields() {
        int n = DmaMapMessage.encode(buf, 3, 3, 0x2000, 0x10_0000, 0x4000);
        DmaMapMessage m = new DmaMapMessage();
        assertThat(m.wrap(msg(n), 4096)).isZero();
        assertThat(m.readable()).isTrue();
        assertThat(m.writable()).isTrue();
        assertThat(m.fileOffset()).isEqualTo(0x2000);
        assertThat(m.address()).isEqualTo(0x10_0000);
        assertThat(m.size()).isEqualTo(0x4000);
    }

    @Test
    @DisplayName("VU-6.1 DMA_MAP: truncated, bad argsz, unknown flags, misaligned, zero size, wrapping")
    void vu_6_1_dma_map_rejects() {
        DmaMapMessage m = new DmaMapMessage();
        DmaMapMessage.encode(buf, 1, 1, 0, 0x1000, 0x1000);
        assertThat(m.wrap(msg(47), 4096)).isEqualTo(Errno.EINVAL);
        Wire.putU32(buf, 16, 16);
        assertThat(m.wrap(msg(48), 4096)).isEqualTo(Errno.EINVAL);
        Wire.putU32(buf, 16, 64);
        assertThat(m.wrap(msg(48), 4096)).isEqualTo(Errno.EINVAL);
        DmaMapMessage.encode(buf, 1, 4, 0, 0x1000, 0x1000);
        assertThat(m.wrap(msg(48), 4096)).isEqualTo(Errno.EINVAL);
        DmaMapMessage.encode(buf, 1, 1, 0, 0x1001, 0x1000);
        assertThat(m.wrap(msg(48), 4096)).isEqualTo(Errno.EINVAL);
        DmaMapMessage.encode(buf, 1, 1, 0, 0x1000, 0x800);
        assertThat(m.wrap(msg(48), 4096)).isEqualTo(Errno.EINVAL);
        DmaMapMessage.encode(buf, 1, 1, 0, 0x1000, 0);
        assertThat(m.wrap(msg(48), 4096)).isEqualTo(Errno.EINVAL);
        DmaMapMessage.encode(buf, 1, 1, 0, -0x1000L, 0x2000);
        assertThat(m.wrap(msg(48), 4096)).isEqualTo(Errno.EINVAL);
        DmaMapMessage.encode(buf, 1, 1, -1L, 0x1000, 0x2000);
        assertThat(m.wrap(msg(48), 4096)).isEqualTo(Errno.EINVAL);
    }

    @ParameterizedTest(name = "page {0}")
    @ValueSource(longs = {4096, 16384, 65536})
    @DisplayName("VU-3.3/VU-6.1 DMA_MAP address and size must be multiples of the announced page size (4, 16, 64 KiB)")
    void vu_6_1_dma_map_alignment_follows_the_page_size(long page) {
        DmaMapMessage m = new DmaMapMessage();
        DmaMapMessage.encode(buf, 1, 1, 0, 3 * page, 2 * page);
        assertThat(m.wrap(msg(48), page)).isZero();
        DmaMapMessage.encode(buf, 1, 1, 0, 3 * page + 4096, 2 * page);
        assertThat(m.wrap(msg(48), page)).isEqualTo(page == 4096 ? 0 : Errno.EINVAL);
        DmaMapMessage.encode(buf, 1, 1, 0, 3 * page, 2 * page - 4096);
        assertThat(m.wrap(msg(48), page)).isEqualTo(page == 4096 ? 0 : Errno.EINVAL);
        DmaMapMessage.encode(buf, 1, 1, 0, 3 * page, page / 2);
        assertThat(m.wrap(msg(48), page)).isEqualTo(Errno.EINVAL);
    }

    @Test
    @DisplayName("VU-6.2 DMA_UNMAP: truncated, unknown flags, dirty bitmap, unmap-all with a range, wrapping")
    void vu_6_2_dma_unmap_rejects() {
        DmaUnmapMessage m = new DmaUnmapMessage();
        int n = DmaUnmapMessage.encode(buf, 1, 0, 0x1000, 0x1000);
        assertThat(m.wrap(msg(n))).isZero();
        assertThat(m.wrap(msg(n - 1))).isEqualTo(Errno.EINVAL);
        DmaUnmapMessage.encode(buf, 1, 8, 0x1000, 0x1000);
        assertThat(m.wrap(msg(n))).isEqualTo(Errno.EINVAL);
        DmaUnmapMessage.encode(buf, 1, DmaUnmapMessage.FLAG_GET_DIRTY_BITMAP, 0x1000, 0x1000);
        assertThat(m.wrap(msg(n))).isEqualTo(Errno.ENOTSUP);
        DmaUnmapMessage.encode(buf, 1, DmaUnmapMessage.FLAG_ALL, 0x1000, 0x1000);
        assertThat(m.wrap(msg(n))).isEqualTo(Errno.EINVAL);
        DmaUnmapMessage.encode(buf, 1, DmaUnmapMessage.FLAG_ALL, 0, 0);
        assertThat(m.wrap(msg(n))).isZero();
        assertThat(m.all()).isTrue();
        DmaUnmapMessage.encode(buf, 1, 0, -0x1000L, 0x2000);
        assertThat(m.wrap(msg(n))).isEqualTo(Errno.EINVAL);
    }

    // ---- info queries ----

    @Test
    @DisplayName("VU-4.1 VU-4.4 VU-4.6 info requests: truncated or argsz below the struct are EINVAL")
    void vu_4_1_info_requests_reject() {
        DeviceInfoMessage.encodeRequest(buf, 1);
        assertThat(DeviceInfoMessage.check(msg(32))).isZero();
        assertThat(DeviceInfoMessage.check(msg(31))).isEqualTo(Errno.EINVAL);
        Wire.putU32(buf, 16, 8);
        assertThat(DeviceInfoMessage.check(msg(32))).isEqualTo(Errno.EINVAL);

        IrqInfoMessage.encodeRequest(buf, 1, 4);
        assertThat(IrqInfoMessage.check(msg(32))).isZero();
        assertThat(IrqInfoMessage.index(msg(32))).isEqualTo(4);
        assertThat(IrqInfoMessage.check(msg(20))).isEqualTo(Errno.EINVAL);
        Wire.putU32(buf, 16, 0);
        assertThat(IrqInfoMessage.check(msg(32))).isEqualTo(Errno.EINVAL);

        RegionIoFdsMessage.encodeRequest(buf, 1, 0);
        assertThat(RegionIoFdsMessage.check(msg(32))).isZero();
        assertThat(RegionIoFdsMessage.check(msg(31))).isEqualTo(Errno.EINVAL);
        Wire.putU32(buf, 20, 1);
        assertThat(RegionIoFdsMessage.check(msg(32))).isEqualTo(Errno.EINVAL);

        RegionInfoMessage.encodeRequest(buf, 1, 0xFFFF_FFFF, 32);
        assertThat(RegionInfoMessage.check(msg(48))).isZero();
        assertThat(RegionInfoMessage.index(msg(48))).isEqualTo(0xFFFF_FFFFL); // out of range, unsigned
        assertThat(RegionInfoMessage.check(msg(47))).isEqualTo(Errno.EINVAL);
        RegionInfoMessage.encodeRequest(buf, 1, 0, 31);
        assertThat(RegionInfoMessage.check(msg(48))).isEqualTo(Errno.EINVAL);
    }

    private static RegionInfo bar(int areas, boolean typed) {
        List<SparseArea> list = new ArrayList<>();
        for (int i = 0; i < areas; i++) {
            list.add(new SparseArea(i * 0x2000L, 0x1000));
        }
        RegionInfo info = RegionInfo.mappable(
                2,
                1L << 36,
                Vfio.REGION_INFO_FLAG_READ | Vfio.REGION_INFO_FLAG_WRITE,
                new MappableFile(null, 0x5000),
                list);
        return typed ? info.withType(new RegionType(0x80001234, 7)) : info;
    }

    @Test
    @DisplayName("VU-4.3 region info with SPARSE_MMAP and TYPE caps round-trips through the chain")
    void vu_4_3_caps_chain_roundtrip() {
        RegionInfo info = bar(3, true);
        long needed = RegionInfoMessage.neededArgsz(info);
        assertThat(needed).isEqualTo(32 + 16 + 48 + 16);
        int n = RegionInfoMessage.encodeReply(buf, 5, info, needed);
        assertThat(n).isEqualTo(16 + needed);
        RegionInfoMessage.Reply r = RegionInfoMessage.decodeReply(msg(n));
        assertThat(r).isNotNull();
        assertThat(r.flags() & Vfio.REGION_INFO_FLAG_CAPS).isNotZero();
        assertThat(r.sparseAreas()).isEqualTo(info.sparseAreas());
        assertThat(r.type()).isEqualTo(info.type());
        assertThat(r.size()).isEqualTo(1L << 36);
        assertThat(r.fileOffset()).isEqualTo(0x5000);
    }

    @Test
    @DisplayName("VU-4.2 argsz too small: the fixed struct, the needed argsz, no CAPS flag (QEMU)")
    void vu_4_2_argsz_too_small() {
        RegionInfo info = bar(1, false);
        int n = RegionInfoMessage.encodeReply(buf, 5, info, 32);
        assertThat(n).isEqualTo(48);
        assertThat(RegionInfoMessage.replyArgsz(msg(n))).isEqualTo(32 + 16 + 16);
        assertThat(Wire.u32(buf, 20) & Vfio.REGION_INFO_FLAG_CAPS).isZero();
        assertThat(Wire.u32(buf, 28)).isZero(); // cap_offset
        assertThat(RegionInfoMessage.complete(info, 32)).isFalse();
        assertThat(RegionInfoMessage.complete(info, 64)).isTrue();
    }

    @Test
    @DisplayName("VU-4.3 oversized sparse list is refused; a reply that does not fit is refused")
    void vu_4_3_oversized() {
        assertThat(RegionInfoMessage.encodeReply(buf, 1, bar(RegionInfoMessage.MAX_SPARSE_AREAS + 1, false), 1 << 20))
                .isEqualTo(-Errno.ENOSPC);
        assertThat(RegionInfoMessage.encodeReply(buf.asSlice(0, 64), 1, bar(4, false), 1 << 20))
                .isEqualTo(-Errno.ENOSPC);
    }

    @Test
    @DisplayName("VU-4.3 hostile capability chains (loops, out-of-range offsets, huge nr_areas) decode as null")
    void vu_4_3_hostile_chain() {
        RegionInfo info = bar(2, true);
        int n = RegionInfoMessage.encodeReply(buf, 5, info, 1 << 20);
        // loop: the second cap points back at the first
        Wire.putU32(buf, 16 + 32 + 16 + 32 + 4, 32);
        assertThat(RegionInfoMessage.decodeReply(msg(n))).isNull();
        n = RegionInfoMessage.encodeReply(buf, 5, info, 1 << 20);
        Wire.putU32(buf, 16 + 12, 4000); // cap_offset beyond the payload
        assertThat(RegionInfoMessage.decodeReply(msg(n))).isNull();
        n = RegionInfoMessage.encodeReply(buf, 5, info, 1 << 20);
        Wire.putU32(buf, 16 + 32 + 8, 1_000_000); // nr_areas
        assertThat(RegionInfoMessage.decodeReply(msg(n))).isNull();
        assertThat(RegionInfoMessage.decodeReply(msg(n - 8))).isNull(); // truncated type cap
    }

    // ---- SET_IRQS ----

    @Test
    @DisplayName("VU-4.5 SET_IRQS: truncated, flag combinations, count range, fd count mismatch, short bools")
    void vu_4_5_set_irqs_rejects() {
        SetIrqsMessage m = new SetIrqsMessage();
        int eventfdTrigger = Vfio.IRQ_SET_DATA_EVENTFD | Vfio.IRQ_SET_ACTION_TRIGGER;
        int n = SetIrqsMessage.encode(buf, 1, eventfdTrigger, 0, 0, 1, null);
        assertThat(m.wrap(msg(n), 1)).isZero();
        assertThat(m.wrap(msg(n), 0)).isZero(); // de-assign
        assertThat(m.wrap(msg(n), 2)).isEqualTo(Errno.EINVAL); // too many fds
        assertThat(m.wrap(msg(n - 1), 1)).isEqualTo(Errno.EINVAL); // truncated
        SetIrqsMessage.encode(
                buf,
                1,
                Vfio.IRQ_SET_DATA_EVENTFD | Vfio.IRQ_SET_DATA_BOOL | Vfio.IRQ_SET_ACTION_TRIGGER,
                0,
                0,
                1,
                null);
        assertThat(m.wrap(msg(n), 0)).isEqualTo(Errno.EINVAL); // two data types
        SetIrqsMessage.encode(buf, 1, Vfio.IRQ_SET_DATA_NONE, 0, 0, 1, null);
        assertThat(m.wrap(msg(n), 0)).isEqualTo(Errno.EINVAL); // no action
        SetIrqsMessage.encode(buf, 1, Vfio.IRQ_SET_DATA_NONE | Vfio.IRQ_SET_ACTION_TRIGGER | 0x100, 0, 0, 1, null);
        assertThat(m.wrap(msg(n), 0)).isEqualTo(Errno.EINVAL); // reserved bit
        SetIrqsMessage.encode(buf, 1, Vfio.IRQ_SET_DATA_NONE | Vfio.IRQ_SET_ACTION_TRIGGER, 0, 0, 0, null);
        assertThat(m.wrap(msg(n), 0)).isZero(); // disable all
        SetIrqsMessage.encode(buf, 1, Vfio.IRQ_SET_DATA_NONE | Vfio.IRQ_SET_ACTION_TRIGGER, 0, 0, 5000, null);
        assertThat(m.wrap(msg(n), 0)).isEqualTo(Errno.EINVAL); // out of range count
        SetIrqsMessage.encode(buf, 1, Vfio.IRQ_SET_DATA_NONE | Vfio.IRQ_SET_ACTION_TRIGGER, 0, -1, 1, null);
        assertThat(m.wrap(msg(n), 0)).isEqualTo(Errno.EINVAL); // start wraps
        SetIrqsMessage.encode(buf, 1, Vfio.IRQ_SET_DATA_NONE | Vfio.IRQ_SET_ACTION_TRIGGER, 0, 0, 1, null);
        assertThat(m.wrap(msg(n), 1)).isEqualTo(Errno.EINVAL); // fd with DATA_NONE
        int b = SetIrqsMessage.encode(
                buf, 1, Vfio.IRQ_SET_DATA_BOOL | Vfio.IRQ_SET_ACTION_MASK, 2, 0, 3, new byte[] {1, 0, 1});
        assertThat(m.wrap(msg(b), 0)).isZero();
        assertThat(m.bools()).containsExactly(1, 0, 1);
        assertThat(m.index()).isEqualTo(2);
        assertThat(m.wrap(msg(b - 1), 0)).isEqualTo(Errno.EINVAL); // bools truncated
    }

    // ---- REGION_READ / WRITE / WRITE_MULTI ----

    @Test
    @DisplayName("VU-5.1 REGION_READ/WRITE: truncated, count over max_data_xfer_size, size mismatch, offset wrap")
    void vu_5_1_region_access_rejects() {
        RegionAccessMessage m = new RegionAccessMessage();
        int n = RegionAccessMessage.encodeReadRequest(buf, 1, 0x100, 0, 4);
        assertThat(m.wrap(msg(n), false, 1024)).isZero();
        assertThat(m.wrap(msg(n - 1), false, 1024)).isEqualTo(Errno.EINVAL);
        assertThat(m.wrap(msg(n + 4), false, 1024)).isEqualTo(Errno.EINVAL);
        RegionAccessMessage.encodeReadRequest(buf, 1, 0, 0, 2048);
        assertThat(m.wrap(msg(n), false, 1024)).isEqualTo(Errno.E2BIG);
        RegionAccessMessage.encodeReadRequest(buf, 1, Long.MAX_VALUE - 1, 0, 4);
        assertThat(m.wrap(msg(n), false, 1024)).isEqualTo(Errno.EOVERFLOW);
        RegionAccessMessage.encodeReadRequest(buf, 1, -8, 0, 4);
        assertThat(m.wrap(msg(n), false, 1024)).isEqualTo(Errno.EOVERFLOW);
        int w = RegionAccessMessage.encodeWriteRequest(buf, 1, 8, 0, 4, false);
        assertThat(m.wrap(msg(w), true, 1024)).isZero();
        assertThat(m.data().byteSize()).isEqualTo(4);
        assertThat(m.wrap(msg(w - 1), true, 1024)).isEqualTo(Errno.EINVAL); // data shorter than count
        assertThat(m.wrap(msg(w + 1), true, 1024)).isEqualTo(Errno.EINVAL); // trailing junk
    }

    @Test
    @DisplayName("REGION_WRITE_MULTI: too many entries, misaligned size, entry count over 8, offset wrap")
    void write_multi_rejects() {
        WriteMultiMessage m = new WriteMultiMessage();
        int n = WriteMultiMessage.begin(buf, 1, true);
        n = WriteMultiMessage.add(buf, 0x10, 0, MemorySegment.ofArray(new byte[] {1, 2, 3, 4}));
        n = WriteMultiMessage.add(buf, 0x20, 1, MemorySegment.ofArray(new byte[] {5, 6}));
        assertThat(n).isEqualTo(16 + 8 + 48);
        assertThat(m.wrap(msg(n))).isZero();
        assertThat(m.entries()).isEqualTo(2);
        assertThat(m.offset(1)).isEqualTo(0x20);
        assertThat(m.region(1)).isEqualTo(1);
        assertThat(m.data(1).toArray(ValueLayout.JAVA_BYTE)).containsExactly(5, 6);
        assertThat(m.wrap(msg(n - 1))).isEqualTo(Errno.EINVAL); // misaligned
        assertThat(m.wrap(msg(20))).isEqualTo(Errno.EINVAL); // truncated
        Wire.putU64(buf, 16, 201);
        assertThat(m.wrap(msg(n))).isEqualTo(Errno.E2BIG);
        Wire.putU64(buf, 16, 2);
        Wire.putU32(buf, 16 + 8 + 12, 9);
        assertThat(m.wrap(msg(n))).isEqualTo(Errno.EINVAL);
        Wire.putU32(buf, 16 + 8 + 12, 4);
        Wire.putU64(buf, 16 + 8, Long.MAX_VALUE - 1);
        assertThat(m.wrap(msg(n))).isEqualTo(Errno.EOVERFLOW);
    }

    @Test
    @DisplayName("VU-8.4 DMA_READ/WRITE use QEMU's layout: u32 count, data at payload offset 12")
    void vu_8_4_dma_transfer_layout() {
        int n = DmaTransferMessage.encodeWrite(buf, 3, 0x1000, 8);
        assertThat(n).isEqualTo(16 + 12 + 8);
        assertThat(DmaTransferMessage.address(msg(n))).isEqualTo(0x1000);
        assertThat(DmaTransferMessage.count(msg(n))).isEqualTo(8);
        int r = DmaTransferMessage.encodeRead(buf, 4, 0x2000, 4);
        Header.reply(buf, 4, Command.DMA_READ, r + 4);
        assertThat(DmaTransferMessage.checkReadReply(msg(r + 4), 0x2000, 4)).isZero();
        assertThat(DmaTransferMessage.checkReadReply(msg(r + 3), 0x2000, 4)).isEqualTo(Errno.EINVAL);
        assertThat(DmaTransferMessage.checkReadReply(msg(r + 4), 0x3000, 4)).isEqualTo(Errno.EINVAL);
    }

    @RepeatedTest(20)
    @DisplayName("VU-2 random bytes never make a decoder throw")
    void vu_2_random_bytes_never_throw(RepetitionInfo rep) {
        long seed = Seeds.of(0xDEC0L + rep.getCurrentRepetition());
        Random rnd = new Random(seed);
        VersionMessage v = new VersionMessage();
        DmaMapMessage map = new DmaMapMessage();
        DmaUnmapMessage unmap = new DmaUnmapMessage();
        SetIrqsMessage irqs = new SetIrqsMessage();
        RegionAccessMessage rw = new RegionAccessMessage();
        WriteMultiMessage multi = new WriteMultiMessage();
        for (int i = 0; i < 500; i++) {
            int size = 16 + rnd.nextInt(rnd.nextBoolean() ? 64 : 8000);
            byte[] junk = new byte[size];
            rnd.nextBytes(junk);
            MemorySegment m = msg(size);
            MemorySegment.copy(junk, 0, m, ValueLayout.JAVA_BYTE, 0, size);
            try {
                v.wrap(m);
                map.wrap(m, 4096);
                unmap.wrap(m);
                irqs.wrap(m, rnd.nextInt(3));
                rw.wrap(m, rnd.nextBoolean(), 1 << 20);
                multi.wrap(m);
                DeviceInfoMessage.check(m);
                IrqInfoMessage.check(m);
                RegionInfoMessage.check(m);
                RegionIoFdsMessage.check(m);
                RegionInfoMessage.decodeReply(m);
            } catch (RuntimeException e) {
                throw new AssertionError("seed " + seed + " iteration " + i, e);
            }
        }
    }
}
