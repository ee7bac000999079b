package dev.jvfio.conform;

import dev.jvfio.client.RawMessage;
import dev.jvfio.os.Fd;
import dev.jvfio.os.MappedMemory;
import dev.jvfio.os.NativeException;
import dev.jvfio.os.PageSize;
import dev.jvfio.protocol.Command;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * DEVICE_GET_REGION_INFO and DEVICE_GET_REGION_IO_FDS (VU-4.2, VU-4.3, VU-4.6): the argsz rules,
 * well-formed capability chains with sparse areas inside their region, an fd exactly with the MMAP
 * flag (and one that maps), and I/O fd answers that are either none or consistent.
 */
final class RegionChecks {
    private RegionChecks() {}

    static final String SPEC = "vfio-user.rst: VFIO_USER_DEVICE_GET_REGION_INFO";

    static List<Check> checks() {
        return List.of(
                new Check(
                        "VU-4.2/region-info",
                        SPEC + ", Message sizes",
                        "each region's info: the 32-byte structure when argsz is short, exactly argsz bytes otherwise",
                        RegionChecks::regionInfo),
                new Check(
                        "VU-4.3/capability-chains",
                        SPEC + " (VFIO region capabilities)",
                        "capability chains end inside the reply; sparse areas lie inside their region; regions 9 and up carry TYPE",
                        RegionChecks::chains),
                new Check(
                        "VU-4.2/fds-only-where-mappable",
                        SPEC + " (VFIO_REGION_INFO_FLAG_MMAP)",
                        "a region with the MMAP flag comes with one fd that maps at its offset; others with none",
                        RegionChecks::fds),
                new Check(
                        "VU-4.6/io-fds",
                        "vfio-user.rst: VFIO_USER_DEVICE_GET_REGION_IO_FDS",
                        "GET_REGION_IO_FDS answers none, an error, or sub-regions with their fds",
                        RegionChecks::ioFds));
    }

    private static String regionInfo(Context c) throws IOException {
        Facts f = c.facts();
        Conversation s = c.session();
        for (int i = 0; i < f.numRegions(); i++) {
            String at = "region " + i + ": ";
            Conversation.Exchange x = s.call(Command.DEVICE_GET_REGION_INFO, Requests.regionInfo(i, 32));
            byte[] p = Expect.success(x, 1);
            Verdict.require(
                    p.length == Spec.REGION_INFO_SIZE,
                    at + "asked with argsz 32, the reply payload is " + p.length + " bytes, not the 32-byte structure");
            RegionInfoReply shortReply = RegionInfoReply.parse(p);
            Verdict.require(shortReply.index() == i, at + "the reply names index " + shortReply.index());
            Verdict.require(shortReply.argsz() >= Spec.REGION_INFO_SIZE, at + "argsz " + shortReply.argsz());
            Verdict.require(shortReply.mappable() || x.reply().fds().isEmpty(), at + "an fd without the MMAP flag");
            long needed = Math.min(shortReply.argsz(), Discovery.MAX_REGION_ARGSZ);
            // room beyond what is needed: the reply still carries exactly what is needed
            byte[] full =
                    Expect.success(s.call(Command.DEVICE_GET_REGION_INFO, Requests.regionInfo(i, needed + 64)), 1);
            Verdict.require(
                    full.length == needed,
                    at + "asked with argsz " + (needed + 64) + ", the reply payload is " + full.length
                            + " bytes, but its argsz says " + needed + " are needed");
            RegionInfoReply r = RegionInfoReply.parse(full);
            Verdict.require(
                    r.argsz() == needed
                            && r.size() == shortReply.size()
                            && r.offset() == shortReply.offset()
                            && (r.flags() & ~Spec.REGION_CAPS) == (shortReply.flags() & ~Spec.REGION_CAPS),
                    at + "the complete reply differs from the short one in argsz, size, offset or flags");
        }
        return f.numRegions() + " regions";
    }

    private static String chains(Context c) throws IOException {
        Facts f = c.facts();
        Conversation s = c.session();
        int caps = 0;
        for (int i = 0; i < f.numRegions(); i++) {
            RegionInfoReply r = Discovery.regionInfo(s, i);
            List<String> problems = new ArrayList<>(r.problems());
            problems.addAll(r.areaProblems());
            Verdict.require(problems.isEmpty(), "region " + i + ": " + String.join("; ", problems));
            if (f.pci() && i >= Spec.PCI_NUM_REGIONS) {
                Verdict.require(r.typed(), "region " + i + " is device-specific but has no TYPE capability");
            }
            caps += (r.sparse() ? 1 : 0) + (r.typed() ? 1 : 0);
        }
        return caps + " capabilities in " + f.numRegions() + " regions";
    }

    private static String fds(Context c) throws IOException {
        Facts f = c.facts();
        Conversation s = c.session();
        int mapped = 0;
        for (int i = 0; i < f.numRegions(); i++) {
            long argsz = Math.min(f.region(i).argsz(), Discovery.MAX_REGION_ARGSZ);
            Conversation.Exchange x =
                    s.call(Command.DEVICE_GET_REGION_INFO, Requests.regionInfo(i, Math.max(32, argsz)));
            RegionInfoReply r = RegionInfoReply.parse(Expect.success(x, 1));
            List<Fd> fds = x.reply().fds();
            if (!r.mappable()) {
                Verdict.require(fds.isEmpty(), "region " + i + " has no MMAP flag but its reply carries an fd");
                continue;
            }
            Verdict.require(
                    fds.size() == 1, "region " + i + " has the MMAP flag but its reply carries " + fds.size() + " fds");
            mapped += mapAreas(i, r, fds.getFirst());
        }
        return mapped + " mmap areas mapped";
    }

    /** Maps the first page of each area (or of the region) read-only, touching nothing. */
    private static int mapAreas(int index, RegionInfoReply r, Fd fd) {
        List<RegionInfoReply.Area> areas = r.sparse() ? r.areas() : List.of(new RegionInfoReply.Area(0, r.size()));
        long page = PageSize.system().bytes();
        long fileSize;
        try {
            fileSize = fd.regularFileSize();
        } catch (NativeException e) {
            fileSize = -1;
        }
        for (RegionInfoReply.Area a : areas) {
            long at = r.offset() + a.offset();
            Verdict.require(
                    at % page == 0 && a.size() % page == 0,
                    "region " + index + ": area at file offset 0x" + Long.toHexString(at) + " of 0x"
                            + Long.toHexString(a.size()) + " bytes is not page-aligned");
            if (fileSize >= 0) {
                Verdict.require(
                        Long.compareUnsigned(at + a.size(), fileSize) <= 0,
                        "region " + index + ": area ends at "
                                + "file offset 0x" + Long.toHexString(at + a.size()) + ", past its file's 0x"
                                + Long.toHexString(fileSize) + " bytes");
            }
            try (MappedMemory m = MappedMemory.map(fd, at, Math.min(a.size(), page), false)) {
                Verdict.require(m.size() > 0, "region " + index + ": empty mapping");
            } catch (NativeException e) {
                throw Verdict.fail("region " + index + ": its fd does not map at file offset 0x" + Long.toHexString(at)
                        + ": " + e.getMessage());
            }
        }
        return areas.size();
    }

    private static String ioFds(Context c) throws IOException {
        Facts f = c.facts();
        Conversation s = c.session();
        int none = 0;
        int refused = 0;
        int some = 0;
        for (int i = 0; i < f.numRegions(); i++) {
            Conversation.Exchange x = s.call(Command.DEVICE_GET_REGION_IO_FDS, Requests.ioFds(i, 16));
            RawMessage r = x.reply();
            Expect.framing(x);
            if (Expect.isError(r)) {
                Expect.errorReply(x);
                refused++;
                continue;
            }
            byte[] p = r.payload();
            String at = "region " + i + ": ";
            Verdict.require(p.length >= 16, at + "reply payload of " + p.length + " bytes");
            Verdict.require(
                    Le.u32(p, 4) == 0, at + "reply flags 0x" + Long.toHexString(Le.u32(p, 4)) + " must be zero");
            Verdict.require(Le.u32(p, 8) == i, at + "the reply names index " + Le.u32(p, 8));
            long count = Le.u32(p, 12);
            if (count == 0) {
                Verdict.require(
                        p.length == 16 && r.fds().isEmpty(),
                        at + "no sub-regions, yet " + (p.length - 16) + " more bytes and "
                                + r.fds().size() + " fds");
                none++;
            } else {
                Verdict.require(Le.u32(p, 0) >= 16, at + "argsz " + Le.u32(p, 0));
                some++;
            }
        }
        return none + " regions without I/O fds, " + refused + " refused, " + some + " with sub-regions";
    }
}
