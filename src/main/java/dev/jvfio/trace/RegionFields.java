package dev.jvfio.trace;

import dev.jvfio.device.DeviceInfo;
import dev.jvfio.device.SparseArea;
import dev.jvfio.protocol.Command;
import dev.jvfio.protocol.DeviceInfoMessage;
import dev.jvfio.protocol.RegionAccessMessage;
import dev.jvfio.protocol.RegionInfoMessage;
import dev.jvfio.protocol.RegionIoFdsMessage;
import dev.jvfio.protocol.WriteMultiMessage;
import java.util.StringJoiner;

/**
 * Device and region messages: DEVICE_GET_INFO (VU-4.1), GET_REGION_INFO (VU-4.2, VU-4.3),
 * GET_REGION_IO_FDS (VU-4.6), REGION_READ/WRITE (VU-5.1) and REGION_WRITE_MULTI: region, offset,
 * count, and what the replies describe.
 */
final class RegionFields {
    /** Any count: max_data_xfer_size is what the two sides negotiated, not a property of the message. */
    private static final long ANY_COUNT = 0xFFFF_FFFFL;
    /** Entries of a REGION_WRITE_MULTI shown in the line. */
    private static final int SHOWN_ENTRIES = 8;

    private RegionFields() {}

    static void decode(Decoding d, int command) {
        switch (command) {
            case Command.DEVICE_GET_INFO -> deviceInfo(d);
            case Command.DEVICE_GET_REGION_INFO -> regionInfo(d);
            case Command.DEVICE_GET_REGION_IO_FDS -> ioFds(d);
            case Command.REGION_READ -> access(d, false);
            case Command.REGION_WRITE -> access(d, true);
            default -> writeMulti(d);
        }
    }

    private static void deviceInfo(Decoding d) {
        if (!d.reply) {
            d.verdict(DeviceInfoMessage.check(d.msg), "DEVICE_GET_INFO rejected");
            return;
        }
        DeviceInfo info = DeviceInfoMessage.decodeReply(d.msg);
        if (info == null) {
            d.problem("DEVICE_GET_INFO reply shorter than " + DeviceInfoMessage.SIZE + " bytes");
            return;
        }
        d.text("flags", Field.bits(info.flags(), "RESET", "PCI", "PLATFORM", "AMBA", "CCW", "AP", "FSL_MC", "CAPS"));
        d.dec("regions", Integer.toUnsignedLong(info.numRegions()));
        d.dec("irqs", Integer.toUnsignedLong(info.numIrqs()));
    }

    private static void regionInfo(Decoding d) {
        if (d.shorterThan(RegionInfoMessage.SIZE, "DEVICE_GET_REGION_INFO")) {
            return;
        }
        d.dec("region", RegionInfoMessage.index(d.msg));
        d.dec("argsz", RegionInfoMessage.argsz(d.msg));
        if (!d.reply) {
            d.verdict(RegionInfoMessage.check(d.msg), "DEVICE_GET_REGION_INFO rejected");
            return;
        }
        RegionInfoMessage.Reply r = RegionInfoMessage.decodeReply(d.msg);
        if (r == null) {
            d.problem("DEVICE_GET_REGION_INFO reply: a capability lies outside the payload or loops");
            return;
        }
        d.hex("size", r.size());
        d.hex("offset", r.fileOffset());
        d.text("flags", Field.bits(r.flags(), "read", "write", "mmap", "caps"));
        if (!r.sparseAreas().isEmpty()) {
            StringJoiner areas = new StringJoiner(",", "[", "]");
            for (SparseArea a : r.sparseAreas()) {
                areas.add("0x" + Long.toHexString(a.offset()) + "+0x" + Long.toHexString(a.size()));
            }
            d.text("sparse", areas.toString());
        }
        if (r.type() != null) {
            d.text(
                    "type",
                    "0x" + Integer.toHexString(r.type().type()) + "/"
                            + Integer.toUnsignedString(r.type().subtype()));
        }
    }

    private static void ioFds(Decoding d) {
        if (d.shorterThan(RegionIoFdsMessage.SIZE, "DEVICE_GET_REGION_IO_FDS")) {
            return;
        }
        d.dec("region", RegionIoFdsMessage.index(d.msg));
        if (d.reply) {
            d.dec("count", Integer.toUnsignedLong(RegionIoFdsMessage.replyCount(d.msg)));
        } else {
            d.verdict(RegionIoFdsMessage.check(d.msg), "DEVICE_GET_REGION_IO_FDS rejected");
        }
    }

    /** A write request and a read reply carry the data; a read request and a write reply do not. */
    private static void access(Decoding d, boolean write) {
        String name = write ? "REGION_WRITE" : "REGION_READ";
        if (d.shorterThan(RegionAccessMessage.SIZE, name)) {
            return;
        }
        boolean carriesData = write != d.reply;
        RegionAccessMessage m = new RegionAccessMessage();
        int errno = m.wrap(d.msg, carriesData, ANY_COUNT);
        d.dec("region", m.region());
        d.hex("offset", m.offset());
        d.dec("count", Integer.toUnsignedLong(m.count()));
        if (errno == 0 && carriesData) {
            d.data(RegionAccessMessage.DATA, m.count());
        }
        d.verdict(errno, name + (d.reply ? " reply" : "") + " rejected");
    }

    private static void writeMulti(Decoding d) {
        if (d.reply) {
            return;
        }
        WriteMultiMessage m = new WriteMultiMessage();
        int errno = m.wrap(d.msg);
        if (errno != 0) {
            d.verdict(errno, "REGION_WRITE_MULTI rejected");
            return;
        }
        int n = m.entries();
        d.dec("writes", n);
        StringJoiner list = new StringJoiner(",", "[", n > SHOWN_ENTRIES ? ",...]" : "]");
        for (int i = 0; i < Math.min(n, SHOWN_ENTRIES); i++) {
            list.add(m.region(i) + "@0x" + Long.toHexString(m.offset(i)) + "+" + m.count(i));
        }
        d.text("entries", list.toString());
    }
}
