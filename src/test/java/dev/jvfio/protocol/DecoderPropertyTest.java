package dev.jvfio.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.Seeds;
import dev.jvfio.device.Errno;
import dev.jvfio.device.Vfio;
import dev.jvfio.fuzz.MessageGenerator;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Properties of every request decoder over seeded random input: structure-aware hostile messages
 * (valid headers, fields at and around every limit, offset+count overflow, out-of-range indexes,
 * fd counts that disagree with the command) and plain random bytes. A decoder only ever returns 0
 * or a known errno; when it returns 0 the fields it accepted satisfy the limits it promises, and
 * its accessors stay inside the message.
 *
 * <p>Replay a failure with {@code -Djvfio.seed=N} (the seed is in every failure message).
 */
class DecoderPropertyTest {
    static final long BASE_SEED = Seeds.of(0x5EED_2026L);
    static final int ROUNDS = 2500;
    static final Set<Integer> ERRNOS = Set.of(Errno.EINVAL, Errno.E2BIG, Errno.EOVERFLOW, Errno.ENOTSUP);

    final VersionMessage version = new VersionMessage();
    final DmaMapMessage dmaMap = new DmaMapMessage();
    final DmaUnmapMessage dmaUnmap = new DmaUnmapMessage();
    final SetIrqsMessage setIrqs = new SetIrqsMessage();
    final RegionAccessMessage access = new RegionAccessMessage();
    final WriteMultiMessage writeMulti = new WriteMultiMessage();

    @RepeatedTest(4)
    @DisplayName("VU-2 VU-4 VU-5 VU-6 structure-aware hostile messages: every decoder returns 0 or an errno, "
            + "and what it accepts obeys its limits")
    void vu_2_hostile_messages_decode_to_value_or_errno(RepetitionInfo rep) {
        long seed = BASE_SEED + rep.getCurrentRepetition();
        Random r = new Random(seed);
        try (Arena arena = Arena.ofConfined()) {
            for (int i = 0; i < ROUNDS; i++) {
                long maxXfer = switch (r.nextInt(3)) {
                    case 0 -> 4096;
                    case 1 -> 1 << 20;
                    default -> 64 << 20;
                };
                MessageGenerator gen = new MessageGenerator(maxXfer);
                byte[] bytes = gen.message(r, r.nextInt(0x10000));
                int fds = r.nextInt(4) == 0 ? r.nextInt(20) : r.nextInt(2);
                check(seed, i, arena, bytes, fds, maxXfer);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 8, 15, 16, 17, 20, 31, 32, 33, 36, 40, 48, 200, 4096, 4101})
    @DisplayName("VU-2 arbitrary bytes of every length around the struct sizes never make a decoder throw")
    void vu_2_arbitrary_bytes_never_throw(int length) {
        long seed = BASE_SEED ^ length;
        Random r = new Random(seed);
        try (Arena arena = Arena.ofConfined()) {
            for (int i = 0; i < 300; i++) {
                byte[] bytes = MessageGenerator.random(r, length);
                if (length >= Header.SIZE && r.nextBoolean()) {
                    // a believable header in front of the junk
                    byte[] h = MessageGenerator.withHeader(r.nextInt(), r.nextInt(20), 0, 0, new byte[0]);
                    System.arraycopy(h, 0, bytes, 0, Header.SIZE);
                    Wire.putU32(MemorySegment.ofArray(bytes), 4, length);
                }
                check(seed, i, arena, bytes, r.nextInt(18), 1 << 20);
            }
        }
    }

    @RepeatedTest(3)
    @DisplayName("VU-5.1 count at, below and above max_data_xfer_size and offsets whose sum with count wraps")
    void vu_5_1_count_limits_and_offset_overflow(RepetitionInfo rep) {
        long seed = BASE_SEED * 31 + rep.getCurrentRepetition();
        Random r = new Random(seed);
        long max = 4096;
        try (Arena arena = Arena.ofConfined()) {
            for (int i = 0; i < 2000; i++) {
                long count = max + r.nextInt(5) - 2;
                long offset = r.nextBoolean() ? -1L - r.nextInt((int) max) : Long.MAX_VALUE - r.nextInt((int) max + 8);
                if (r.nextInt(4) == 0) {
                    offset = r.nextInt(1 << 16);
                }
                boolean write = r.nextBoolean();
                int data = write ? (int) count : 0;
                MemorySegment m = arena.allocate(RegionAccessMessage.SIZE + data);
                Header.request(m, 1, write ? Command.REGION_WRITE : Command.REGION_READ, (int) m.byteSize(), false);
                RegionAccessMessage.putFields(m, offset, 0, (int) count);
                int errno = access.wrap(m, write, max);
                String why = "seed " + seed + " round " + i + " offset " + offset + " count " + count;
                if (count > max) {
                    assertThat(errno).as(why).isEqualTo(Errno.E2BIG);
                } else if (offset < 0 || offset + count < 0) {
                    assertThat(errno).as(why).isEqualTo(Errno.EOVERFLOW);
                } else {
                    assertThat(errno).as(why).isZero();
                }
            }
        }
    }

    @RepeatedTest(3)
    @DisplayName("VU-4.5 SET_IRQS: an fd count that disagrees with the command is always EINVAL")
    void vu_4_5_fd_count_disagreeing_with_command(RepetitionInfo rep) {
        long seed = BASE_SEED * 17 + rep.getCurrentRepetition();
        Random r = new Random(seed);
        try (Arena arena = Arena.ofConfined()) {
            for (int i = 0; i < 2000; i++) {
                int[] types = {Vfio.IRQ_SET_DATA_NONE, Vfio.IRQ_SET_DATA_BOOL, Vfio.IRQ_SET_DATA_EVENTFD};
                int type = types[r.nextInt(3)];
                int count = r.nextInt(8);
                int fds = r.nextInt(10);
                MemorySegment m = arena.allocate(SetIrqsMessage.SIZE + 2048);
                int n = SetIrqsMessage.encode(
                        m, 1, type | Vfio.IRQ_SET_ACTION_TRIGGER, r.nextInt(5), 0, count, new byte[count]);
                int errno = setIrqs.wrap(m.asSlice(0, n), fds);
                boolean agree = type == Vfio.IRQ_SET_DATA_EVENTFD ? (fds == 0 || fds == count) : fds == 0;
                if (count == 0 && type != Vfio.IRQ_SET_DATA_NONE) {
                    agree = false;
                }
                String why = "seed " + seed + " round " + i + " type " + type + " count " + count + " fds " + fds;
                if (agree) {
                    assertThat(errno).as(why).isZero();
                } else {
                    assertThat(errno).as(why).isEqualTo(Errno.EINVAL);
                }
            }
        }
    }

    /** Runs every decoder over the bytes; asserts the properties. */
    private void check(long seed, int round, Arena arena, byte[] bytes, int fds, long maxXfer) {
        MemorySegment m = arena.allocate(Math.max(1, bytes.length)).asSlice(0, bytes.length);
        MemorySegment.copy(bytes, 0, m, ValueLayout.JAVA_BYTE, 0, bytes.length);
        String where = "seed " + seed + " round " + round + " (replay with -Djvfio.seed) message "
                + (bytes.length >= Header.SIZE ? Header.describe(m) : bytes.length + " bytes");
        try {
            int e = version.wrap(m);
            errnoOrZero(where, "VERSION", e);
            if (e == 0) {
                assertThat(version.capabilities()).as(where).isNotNull();
                assertThat(version.capabilities().maxMsgFds()).as(where).isBetween(0L, 0xFFFF_FFFFL);
                assertThat(version.capabilities().pgsizes()).as(where).isPositive();
            }

            e = dmaMap.wrap(m, 4096);
            errnoOrZero(where, "DMA_MAP", e);
            if (e == 0) {
                assertThat(dmaMap.size()).as(where).isNotZero();
                assertThat((dmaMap.address() | dmaMap.size()) & 4095).as(where).isZero();
                assertThat(Long.compareUnsigned(dmaMap.address() + dmaMap.size(), dmaMap.address()))
                        .as(where)
                        .isPositive();
                assertThat(dmaMap.flags() & ~3).as(where).isZero();
            }

            e = dmaUnmap.wrap(m);
            errnoOrZero(where, "DMA_UNMAP", e);
            if (e == 0 && dmaUnmap.all()) {
                assertThat(dmaUnmap.address() | dmaUnmap.size()).as(where).isZero();
            } else if (e == 0) {
                assertThat(dmaUnmap.size()).as(where).isNotZero();
                assertThat(Long.compareUnsigned(dmaUnmap.address() + dmaUnmap.size(), dmaUnmap.address()))
                        .as(where)
                        .isPositive();
            }

            e = setIrqs.wrap(m, fds);
            errnoOrZero(where, "SET_IRQS", e);
            if (e == 0) {
                long count = Integer.toUnsignedLong(setIrqs.count());
                assertThat(count).as(where).isLessThanOrEqualTo(SetIrqsMessage.MAX_VECTORS);
                int data = setIrqs.flags() & Vfio.IRQ_SET_DATA_TYPE_MASK;
                if (data == Vfio.IRQ_SET_DATA_EVENTFD) {
                    assertThat(fds == 0 || fds == count).as(where).isTrue();
                } else {
                    assertThat(fds).as(where).isZero();
                }
                byte[] bools = setIrqs.bools();
                assertThat(bools.length).as(where).isEqualTo(data == Vfio.IRQ_SET_DATA_BOOL ? (int) count : 0);
                assertThat(setIrqs.index()).as(where).isNotNegative();
            }

            for (boolean write : new boolean[] {false, true}) {
                e = access.wrap(m, write, maxXfer);
                errnoOrZero(where, write ? "REGION_WRITE" : "REGION_READ", e);
                if (e == 0) {
                    long count = Integer.toUnsignedLong(access.count());
                    assertThat(count).as(where).isLessThanOrEqualTo(maxXfer);
                    assertThat(access.offset()).as(where).isNotNegative();
                    assertThat(access.offset() + count).as(where).isNotNegative();
                    assertThat(m.byteSize()).as(where).isEqualTo(RegionAccessMessage.SIZE + (write ? count : 0));
                    if (write) {
                        assertThat(access.data().byteSize()).as(where).isEqualTo(count);
                    }
                    assertThat(access.region()).as(where).isBetween(0L, 0xFFFF_FFFFL);
                }
            }

            e = writeMulti.wrap(m);
            errnoOrZero(where, "REGION_WRITE_MULTI", e);
            if (e == 0) {
                assertThat(writeMulti.entries()).as(where).isBetween(0, WriteMultiMessage.MAX_ENTRIES);
                for (int i = 0; i < writeMulti.entries(); i++) {
                    assertThat(writeMulti.data(i).byteSize()).as(where).isLessThanOrEqualTo(8);
                    assertThat(writeMulti.offset(i)).as(where).isNotNegative();
                }
            }

            errnoOrZero(where, "DEVICE_GET_INFO", DeviceInfoMessage.check(m));
            errnoOrZero(where, "GET_IRQ_INFO", IrqInfoMessage.check(m));
            if (IrqInfoMessage.check(m) == 0) {
                assertThat(IrqInfoMessage.index(m)).as(where).isBetween(0L, 0xFFFF_FFFFL);
            }
            errnoOrZero(where, "GET_REGION_INFO", RegionInfoMessage.check(m));
            if (RegionInfoMessage.check(m) == 0) {
                assertThat(RegionInfoMessage.index(m)).as(where).isBetween(0L, 0xFFFF_FFFFL);
                assertThat(RegionInfoMessage.argsz(m)).as(where).isGreaterThanOrEqualTo(RegionInfoMessage.PAYLOAD);
            }
            errnoOrZero(where, "GET_REGION_IO_FDS", RegionIoFdsMessage.check(m));

            // client-side reply decoders: null / -1 for anything malformed, never a throw
            RegionInfoMessage.Reply reply = RegionInfoMessage.decodeReply(m);
            if (reply != null) {
                assertThat(reply.sparseAreas().size())
                        .as(where)
                        .isLessThanOrEqualTo(RegionInfoMessage.MAX_SPARSE_AREAS);
            }
            RegionInfoMessage.replyArgsz(m);
            DeviceInfoMessage.decodeReply(m);
            IrqInfoMessage.decodeReply(m);
            RegionAccessMessage.replyCount(m);
            RegionIoFdsMessage.replyCount(m);
            int dmaReply = DmaTransferMessage.checkReadReply(m, fds, fds);
            assertThat(dmaReply == 0 || dmaReply == Errno.EINVAL).as(where).isTrue();
            if (m.byteSize() >= Header.SIZE) {
                Header.describe(m);
            }
        } catch (RuntimeException | Error ex) {
            if (ex instanceof AssertionError a) {
                throw a;
            }
            throw new AssertionError(where + ": decoder threw " + ex, ex);
        }
    }

    private static void errnoOrZero(String where, String decoder, int errno) {
        assertThat(errno == 0 || ERRNOS.contains(errno))
                .as(where + ": " + decoder + " returned " + errno)
                .isTrue();
    }
}
