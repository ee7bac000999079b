package dev.jvfio.conform;

import dev.jvfio.client.RawMessage;
import dev.jvfio.protocol.Command;
import java.io.IOException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * REGION_READ and REGION_WRITE (VU-5.1; vfio-user.rst "VFIO_USER_REGION_READ/WRITE", "Read and
 * Write Operations"): the reply layouts on the PCI config region, refusal of accesses past a
 * region's end, of empty regions, of writes to regions without the WRITE flag, of counts above
 * max_data_xfer_size and of data that does not match the count; unaligned config reads either
 * refused or consistent with aligned ones.
 */
final class AccessChecks {
    private AccessChecks() {}

    static final String READ = "vfio-user.rst: VFIO_USER_REGION_READ";
    static final String WRITE = "vfio-user.rst: VFIO_USER_REGION_WRITE";
    private static final int CFG = Spec.PCI_CONFIG_REGION;

    static List<Check> checks() {
        return List.of(
                new Check(
                        "VU-5.1/config-read",
                        READ,
                        "a config-space read is answered with offset, region, count and the bytes",
                        AccessChecks::configRead),
                new Check(
                        "VU-5.1/config-write",
                        WRITE,
                        "a config-space write (the read-only vendor ID, rewritten) is answered with offset, region and count",
                        AccessChecks::configWrite),
                new Check(
                        "VU-5.1/read-past-end-refused",
                        READ,
                        "reads that reach past a region's end, or into an empty region, are refused",
                        AccessChecks::readPastEnd),
                new Check(
                        "VU-5.1/write-past-end-refused",
                        WRITE,
                        "writes wholly past a writable region's end, or wrapping around, are refused",
                        AccessChecks::writePastEnd),
                new Check(
                        "VU-5.1/write-read-only-refused",
                        WRITE + " (VFIO_REGION_INFO_FLAG_WRITE)",
                        "a write to a region without the WRITE flag is refused",
                        AccessChecks::writeReadOnly),
                new Check(
                        "VU-5.1/count-above-max-refused",
                        "vfio-user.rst: Read and Write Operations",
                        "a read of more than max_data_xfer_size bytes is refused",
                        AccessChecks::countAboveMax),
                new Check(
                        "VU-5.1/write-count-mismatch-refused",
                        WRITE,
                        "a write whose data is shorter or longer than its count is refused",
                        AccessChecks::countMismatch),
                new Check(
                        "VU-5.1/write-multi",
                        "vfio-user.rst: VFIO_USER_REGION_WRITE_MULTI",
                        "where write_multiple is agreed: a posted WRITE_MULTI gets no reply, one that wants a reply gets wr_cnt",
                        AccessChecks::writeMulti),
                new Check(
                        "VU-5.1/unaligned-config-access",
                        READ,
                        "unaligned config reads are refused or return exactly the bytes aligned reads return",
                        AccessChecks::unaligned));
    }

    private static RegionInfoReply config(Context c) {
        return c.facts().config().orElseThrow(() -> Verdict.skip("no readable PCI config region (index 7)"));
    }

    /** The bytes of a successful read reply: offset, region and count echoed, exactly count bytes. */
    static byte[] readReply(Conversation.Exchange x, long offset, long region, int count) {
        byte[] p = Expect.success(x);
        String what = "REGION_READ of " + count + " bytes at 0x" + Long.toHexString(offset) + " of region " + region;
        Verdict.require(p.length >= 16, what + ": reply payload of " + p.length + " bytes");
        Verdict.require(
                Le.u64(p, 0) == offset && Le.u32(p, 8) == region,
                what + ": the reply names offset 0x" + Long.toHexString(Le.u64(p, 0)) + " region " + Le.u32(p, 8));
        Verdict.require(
                Le.u32(p, 12) == count && p.length == 16 + count,
                what + ": the reply carries count " + Le.u32(p, 12) + " and " + (p.length - 16) + " data bytes");
        return Arrays.copyOfRange(p, 16, p.length);
    }

    private static String configRead(Context c) throws IOException {
        config(c);
        Conversation s = c.session();
        byte[] id = readReply(s.call(Command.REGION_READ, Requests.read(0, CFG, 4)), 0, CFG, 4);
        return String.format("vendor:device %02x%02x:%02x%02x", id[1], id[0], id[3], id[2]);
    }

    private static String configWrite(Context c) throws IOException {
        config(c);
        Conversation s = c.session();
        byte[] vendor = readReply(s.call(Command.REGION_READ, Requests.read(0, CFG, 2)), 0, CFG, 2);
        byte[] p = Expect.success(
                s.call(Command.REGION_WRITE, Requests.write(0, CFG, vendor)), 16, "offset, region and count");
        Verdict.require(
                Le.u64(p, 0) == 0 && Le.u32(p, 8) == CFG,
                "the REGION_WRITE reply names offset 0x" + Long.toHexString(Le.u64(p, 0)) + " region " + Le.u32(p, 8));
        Verdict.require(
                Le.u32(p, 12) <= 2, "the REGION_WRITE reply says " + Le.u32(p, 12) + " bytes of 2 were written");
        return "count " + Le.u32(p, 12);
    }

    private static String readPastEnd(Context c) throws IOException {
        Facts f = c.facts();
        Conversation s = c.session();
        Refusals r = new Refusals(s);
        for (RegionInfoReply region : f.regions()) {
            long i = region.index();
            long size = region.size();
            if (size == 0) {
                r.expect(Command.REGION_READ, Requests.read(0, i, 1), "REGION_READ of empty region " + i);
                continue;
            }
            if (size >= 2) {
                straddle(s, region);
            }
            r.expect(Command.REGION_READ, Requests.read(size, i, 1), "REGION_READ at the end of region " + i)
                    .expect(
                            Command.REGION_READ,
                            Requests.read(-16, i, 32),
                            "REGION_READ wrapping around in region " + i);
        }
        return r.summary();
    }

    /**
     * A read of 4 bytes at size - 2: refused, or a short read of the 2 bytes inside (the reply's
     * count is "the size of the data transferred", and vfio-pci's BAR reads stop at the end).
     */
    private static void straddle(Conversation s, RegionInfoReply region) throws IOException {
        long i = region.index();
        long at = region.size() - 2;
        String what = "REGION_READ of 4 bytes at 2 before the end of region " + i;
        Conversation.Exchange x = s.call(Command.REGION_READ, Requests.read(at, i, 4));
        Expect.framing(x);
        if (Expect.isError(x.reply())) {
            Expect.errorReply(x);
            return;
        }
        byte[] p = Expect.success(x);
        Verdict.require(p.length >= 16 && Le.u64(p, 0) == at && Le.u32(p, 8) == i, what + ": malformed reply");
        long count = Le.u32(p, 12);
        Verdict.require(
                count <= 2 && p.length == 16 + count,
                what + " returned " + count + " bytes (" + (p.length - 16)
                        + " in the reply); only 2 lie inside the region");
    }

    private static String writePastEnd(Context c) throws IOException {
        Facts f = c.facts();
        Refusals r = new Refusals(c.session());
        for (RegionInfoReply region : f.regions()) {
            if (!region.writable() || region.size() == 0) {
                continue;
            }
            long i = region.index();
            r.expect(
                            Command.REGION_WRITE,
                            Requests.write(region.size(), i, new byte[1]),
                            "REGION_WRITE at the end of region " + i)
                    .expect(
                            Command.REGION_WRITE,
                            Requests.write(-16, i, new byte[32]),
                            "REGION_WRITE wrapping around in region " + i);
        }
        return r.summary();
    }

    private static String writeReadOnly(Context c) throws IOException {
        Facts f = c.facts();
        RegionInfoReply region = f.regions().stream()
                .filter(r -> r.size() > 0 && r.readable() && !r.writable())
                .findFirst()
                .orElseThrow(() -> Verdict.skip("no region is readable but not writable"));
        Conversation s = c.session();
        long i = region.index();
        byte[] before = readReply(s.call(Command.REGION_READ, Requests.read(0, i, 1)), 0, i, 1);
        Refusals r = new Refusals(s);
        r.expect(
                Command.REGION_WRITE,
                Requests.write(0, i, new byte[] {(byte) ~before[0]}),
                "REGION_WRITE to region " + i + ", which has no WRITE flag");
        return "region " + i + ": " + r.summary();
    }

    private static String countAboveMax(Context c) throws IOException {
        RegionInfoReply region = c.facts().regions().stream()
                .filter(r -> r.readable() && r.size() > 0)
                .findFirst()
                .orElseThrow(() -> Verdict.skip("no readable region"));
        Conversation s = c.session();
        long max = s.caps().maxDataXferSize();
        Verdict.require(max < 0xFFFF_FFFFL, "max_data_xfer_size " + max + " leaves no count above it");
        Refusals r = new Refusals(s);
        r.expect(
                Command.REGION_READ,
                Requests.read(0, region.index(), max + 1),
                "REGION_READ of max_data_xfer_size + 1 = " + (max + 1) + " bytes");
        return r.summary();
    }

    private static String countMismatch(Context c) throws IOException {
        config(c);
        Conversation s = c.session();
        byte[] vendor = readReply(s.call(Command.REGION_READ, Requests.read(0, CFG, 2)), 0, CFG, 2);
        Refusals r = new Refusals(s);
        r.expect(
                        Command.REGION_WRITE,
                        Le.payload().u64(0).u32(CFG).u32(4).bytes(vendor).toBytes(),
                        "REGION_WRITE of count 4 with 2 data bytes")
                .expect(
                        Command.REGION_WRITE,
                        Le.payload().u64(0).u32(CFG).u32(1).bytes(vendor).toBytes(),
                        "REGION_WRITE of count 1 with 2 data bytes");
        return r.summary();
    }

    private static String writeMulti(Context c) throws IOException {
        config(c);
        Conversation s = c.session(Negotiation.PROPOSED_JSON.replace("}}", ",\"write_multiple\":true}}"));
        if (!s.caps().writeMultiple()) {
            throw Verdict.skip("the server does not agree to write_multiple");
        }
        byte[] vendor = readReply(s.call(Command.REGION_READ, Requests.read(0, CFG, 2)), 0, CFG, 2);
        byte[] multi = Le.payload()
                .u64(1)
                .u64(0)
                .u32(CFG)
                .u32(2)
                .bytes(Arrays.copyOf(vendor, 8))
                .toBytes();
        s.send(Command.REGION_WRITE_MULTI, Spec.TYPE_COMMAND | Spec.NO_REPLY, multi, List.of());
        int id = s.send(Command.DEVICE_GET_INFO, Requests.deviceInfo());
        RawMessage next = s.receive();
        Verdict.require(
                next.id() == id,
                "a message answering msg id " + next.id() + " came after a WRITE_MULTI with " + "the No_reply flag");
        Expect.success(new Conversation.Exchange(id, Command.DEVICE_GET_INFO, next), 16, "vfio_device_info");
        byte[] p = Expect.success(s.call(Command.REGION_WRITE_MULTI, multi), 8, "the WRITE_MULTI reply (u64 wr_cnt)");
        Verdict.require(Le.u64(p, 0) == 1, "the WRITE_MULTI reply says " + Le.u64(p, 0) + " writes of 1 were done");
        return "posted: no reply; asked: wr_cnt 1";
    }

    private static String unaligned(Context c) throws IOException {
        config(c);
        Conversation s = c.session();
        byte[] low = readReply(s.call(Command.REGION_READ, Requests.read(0, CFG, 4)), 0, CFG, 4);
        byte[] high = readReply(s.call(Command.REGION_READ, Requests.read(4, CFG, 2)), 4, CFG, 2);
        byte[] aligned = {low[0], low[1], low[2], low[3], high[0], high[1]};
        int served = 0;
        int refused = 0;
        int[][] accesses = {{1, 1}, {1, 2}, {3, 2}, {1, 4}, {2, 4}};
        for (int[] a : accesses) {
            Conversation.Exchange x = s.call(Command.REGION_READ, Requests.read(a[0], CFG, a[1]));
            RawMessage reply = x.reply();
            Expect.framing(x);
            if (Expect.isError(reply)) {
                Expect.errorReply(x);
                refused++;
                continue;
            }
            byte[] got = readReply(x, a[0], CFG, a[1]);
            Verdict.require(
                    Arrays.equals(got, Arrays.copyOfRange(aligned, a[0], a[0] + a[1])),
                    "config read of " + a[1] + " bytes at " + a[0] + " returned " + hex(got) + "; the aligned read has "
                            + hex(Arrays.copyOfRange(aligned, a[0], a[0] + a[1])));
            served++;
        }
        return served + " served consistently, " + refused + " refused";
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
