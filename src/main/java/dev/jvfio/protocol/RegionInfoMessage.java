package dev.jvfio.protocol;

import dev.jvfio.device.Errno;
import dev.jvfio.device.MappableFile;
import dev.jvfio.device.RegionInfo;
import dev.jvfio.device.RegionType;
import dev.jvfio.device.SparseArea;
import dev.jvfio.device.Vfio;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * GET_REGION_INFO (VU-4.2, VU-4.3): request {@code u32 argsz, flags, index, cap_offset, u64 size,
 * offset}; the reply is the same struct followed by the capability chain (SPARSE_MMAP, TYPE).
 *
 * <p>argsz too small (VU-4.2): the reply carries only the 32-byte struct, with argsz set to the
 * size needed, no capability and no fd (as libvfio-user does). The CAPS flag and cap_offset are
 * cleared in that short reply because QEMU's vfio_user_device_io_get_region_info() rejects a
 * reply whose CAPS flag points at a cap_offset beyond the argsz it asked for — before it looks
 * at the needed argsz — whereas the kernel would set CAPS with cap_offset 0. QEMU wins.
 */
public final class RegionInfoMessage {
    public static final int PAYLOAD = 32;
    public static final int SIZE = Header.SIZE + PAYLOAD;
    /** Most sparse areas one reply may describe (bounds our reply buffer and a client's parse). */
    public static final int MAX_SPARSE_AREAS = 64;

    private static final int OFF_ARGSZ = 0;
    private static final int OFF_FLAGS = 4;
    private static final int OFF_INDEX = 8;
    private static final int OFF_CAP_OFFSET = 12;
    private static final int OFF_SIZE = 16;
    private static final int OFF_OFFSET = 24;

    private static final int CAP_HEADER = 8;
    private static final int SPARSE_FIXED = CAP_HEADER + 8;
    private static final int SPARSE_AREA = 16;
    private static final int TYPE_CAP = CAP_HEADER + 8;

    private RegionInfoMessage() {}

    /** Request check: returns 0 or an errno. */
    public static int check(MemorySegment msg) {
        if (msg.byteSize() < SIZE) {
            return Errno.EINVAL;
        }
        return argsz(msg) < PAYLOAD ? Errno.EINVAL : 0;
    }

    /** The request's argsz: room the client has for the reply payload. */
    public static long argsz(MemorySegment msg) {
        return Wire.u32l(msg, Header.SIZE + OFF_ARGSZ);
    }

    public static long index(MemorySegment msg) {
        return Wire.u32l(msg, Header.SIZE + OFF_INDEX);
    }

    /** Size of the full reply payload (struct plus capabilities) for this region. */
    public static long neededArgsz(RegionInfo info) {
        long n = PAYLOAD;
        if (!info.sparseAreas().isEmpty()) {
            n += SPARSE_FIXED + (long) SPARSE_AREA * info.sparseAreas().size();
        }
        if (info.type() != null) {
            n += TYPE_CAP;
        }
        return n;
    }

    /** Whether a reply to a request with this argsz is complete (carries caps and the fd). */
    public static boolean complete(RegionInfo info, long clientArgsz) {
        return clientArgsz >= neededArgsz(info);
    }

    /**
     * Encodes the reply; returns the message size, or {@code -errno} if the region has more
     * sparse areas than we describe or the reply does not fit {@code out}.
     */
    public static int encodeReply(MemorySegment out, int id, RegionInfo info, long clientArgsz) {
        if (info.sparseAreas().size() > MAX_SPARSE_AREAS) {
            return -Errno.ENOSPC;
        }
        long needed = neededArgsz(info);
        boolean full = clientArgsz >= needed;
        long payload = full ? needed : PAYLOAD;
        if (Header.SIZE + payload > out.byteSize()) {
            return -Errno.ENOSPC;
        }
        int size = (int) (Header.SIZE + payload);
        Header.reply(out, id, Command.DEVICE_GET_REGION_INFO, size);
        MemorySegment p = out.asSlice(Header.SIZE, payload);
        boolean caps = needed > PAYLOAD;
        int flags = info.flags() & ~Vfio.REGION_INFO_FLAG_CAPS;
        if (info.file() == null) {
            flags &= ~Vfio.REGION_INFO_FLAG_MMAP; // no fd to send: a client must not try to mmap
        }
        if (full && caps) {
            flags |= Vfio.REGION_INFO_FLAG_CAPS;
        }
        Wire.putU32(p, OFF_ARGSZ, (int) needed);
        Wire.putU32(p, OFF_FLAGS, flags);
        Wire.putU32(p, OFF_INDEX, info.index());
        Wire.putU32(p, OFF_CAP_OFFSET, full && caps ? PAYLOAD : 0);
        Wire.putU64(p, OFF_SIZE, info.size());
        Wire.putU64(p, OFF_OFFSET, info.file() != null ? info.file().fileOffset() : 0);
        if (!full || !caps) {
            return size;
        }
        int at = PAYLOAD;
        if (!info.sparseAreas().isEmpty()) {
            int len = SPARSE_FIXED + SPARSE_AREA * info.sparseAreas().size();
            int next = info.type() != null ? at + len : 0;
            Wire.putU16(p, at, Vfio.REGION_INFO_CAP_SPARSE_MMAP);
            Wire.putU16(p, at + 2, 1);
            Wire.putU32(p, at + 4, next);
            Wire.putU32(p, at + 8, info.sparseAreas().size());
            Wire.putU32(p, at + 12, 0);
            int a = at + SPARSE_FIXED;
            for (SparseArea area : info.sparseAreas()) {
                Wire.putU64(p, a, area.offset());
                Wire.putU64(p, a + 8, area.size());
                a += SPARSE_AREA;
            }
            at += len;
        }
        if (info.type() != null) {
            Wire.putU16(p, at, Vfio.REGION_INFO_CAP_TYPE);
            Wire.putU16(p, at + 2, 1);
            Wire.putU32(p, at + 4, 0);
            Wire.putU32(p, at + 8, info.type().type());
            Wire.putU32(p, at + 12, info.type().subtype());
        }
        return size;
    }

    /** Encodes a request asking for region {@code index} with room {@code argsz}. */
    public static int encodeRequest(MemorySegment out, int id, int index, int argsz) {
        Header.request(out, id, Command.DEVICE_GET_REGION_INFO, SIZE, false);
        MemorySegment p = out.asSlice(Header.SIZE, PAYLOAD);
        p.fill((byte) 0);
        Wire.putU32(p, OFF_ARGSZ, argsz);
        Wire.putU32(p, OFF_INDEX, index);
        return SIZE;
    }

    /** The argsz a reply says is needed (client side); -1 if the reply is too short. */
    public static long replyArgsz(MemorySegment msg) {
        return msg.byteSize() < SIZE ? -1 : argsz(msg);
    }

    /** Decoded reply fields and capabilities, for the client; the caller attaches the fd. */
    public record Reply(
            int index, long size, int flags, long fileOffset, List<SparseArea> sparseAreas, RegionType type) {
        public RegionInfo toRegionInfo(MappableFile file) {
            return new RegionInfo(index, size, flags, sparseAreas, type, file);
        }
    }

    /**
     * Decodes a reply as a hostile client would: every capability header and body must lie
     * inside the payload, offsets must move forward, at most 16 capabilities. Returns null if
     * the reply is malformed.
     */
    public static Reply decodeReply(MemorySegment msg) {
        if (msg.byteSize() < SIZE) {
            return null;
        }
        MemorySegment p = msg.asSlice(Header.SIZE);
        long len = p.byteSize();
        int flags = Wire.u32(p, OFF_FLAGS);
        List<SparseArea> areas = new ArrayList<>();
        RegionType type = null;
        if ((flags & Vfio.REGION_INFO_FLAG_CAPS) != 0) {
            long at = Wire.u32l(p, OFF_CAP_OFFSET);
            int seen = 0;
            while (at != 0) {
                if (at < PAYLOAD || at + CAP_HEADER > len || ++seen > 16) {
                    return null;
                }
                int capId = Wire.u16(p, at);
                long next = Wire.u32l(p, at + 4);
                if (capId == Vfio.REGION_INFO_CAP_SPARSE_MMAP) {
                    if (at + SPARSE_FIXED > len) {
                        return null;
                    }
                    long n = Wire.u32l(p, at + 8);
                    if (n > MAX_SPARSE_AREAS || at + SPARSE_FIXED + n * SPARSE_AREA > len) {
                        return null;
                    }
                    for (int i = 0; i < n; i++) {
                        long a = at + SPARSE_FIXED + (long) i * SPARSE_AREA;
                        areas.add(new SparseArea(Wire.u64(p, a), Wire.u64(p, a + 8)));
                    }
                } else if (capId == Vfio.REGION_INFO_CAP_TYPE) {
                    if (at + TYPE_CAP > len) {
                        return null;
                    }
                    type = new RegionType(Wire.u32(p, at + 8), Wire.u32(p, at + 12));
                }
                if (next != 0 && next <= at) {
                    return null;
                }
                at = next;
            }
        }
        return new Reply(Wire.u32(p, OFF_INDEX), Wire.u64(p, OFF_SIZE), flags, Wire.u64(p, OFF_OFFSET), areas, type);
    }
}
