package dev.jvfio.conform;

import dev.jvfio.os.Fd;
import dev.jvfio.os.Memfd;
import dev.jvfio.protocol.Command;
import java.io.IOException;
import java.util.List;

/**
 * DMA_MAP and DMA_UNMAP (VU-6.1, VU-6.2; vfio-user.rst "VFIO_USER_DMA_MAP/UNMAP"): the replies,
 * EEXIST for a map over an existing one, refusal of unmapping what was not mapped exactly, of the
 * dirty-bitmap flag and of undefined map flags. Windows lie at 1 TiB in a memfd of four pages
 * (the server's smallest DMA page); closing the session drops whatever a failing check left.
 */
final class DmaChecks {
    private DmaChecks() {}

    static final String MAP = "vfio-user.rst: VFIO_USER_DMA_MAP";
    static final String UNMAP = "vfio-user.rst: VFIO_USER_DMA_UNMAP";
    static final long BASE = 1L << 40;
    private static final int RW = Spec.DMA_READ | Spec.DMA_WRITE;

    static List<Check> checks() {
        return List.of(
                new Check(
                        "VU-6.1/map-unmap",
                        MAP + ", " + UNMAP,
                        "DMA_MAP (with and without an fd) gets a bare reply; DMA_UNMAP's reply echoes the entry",
                        DmaChecks::mapUnmap),
                new Check(
                        "VU-6.1/overlap-refused",
                        MAP,
                        "a map over an existing mapping, whole or in part, is refused with EEXIST",
                        DmaChecks::overlap),
                new Check(
                        "VU-6.2/unmap-unknown-refused",
                        UNMAP,
                        "unmapping a range that matches no mapping exactly is refused",
                        DmaChecks::unmapUnknown),
                new Check(
                        "VU-6.2/dirty-bitmap-flag-refused",
                        UNMAP + " (flags unused in this version)",
                        "DMA_UNMAP with the dirty-bitmap flag and no bitmap is refused, and the mapping stays",
                        DmaChecks::dirtyBitmap),
                new Check(
                        "VU-6.1/map-unknown-flags-refused",
                        MAP,
                        "DMA_MAP with undefined flag bits is refused and maps nothing",
                        DmaChecks::mapFlags));
    }

    /** A session and a memfd of four DMA pages. */
    private record Window(Conversation session, Fd memory, long page) implements AutoCloseable {
        static Window open(Context c) throws IOException {
            Conversation s = c.session();
            long page = s.caps().dmaPage();
            return new Window(s, Memfd.create("jvfio-conform-dma", 4 * page), page);
        }

        Conversation.Exchange map(int flags, long fileOffset, long address, long size) throws IOException {
            return session.call(Command.DMA_MAP, Requests.dmaMap(flags, fileOffset, address, size), List.of(memory));
        }

        void mapped(long fileOffset, long address, long size) throws IOException {
            Expect.success(map(RW, fileOffset, address, size), 0, "a DMA_MAP reply (none)");
        }

        void unmapped(long address, long size) throws IOException {
            byte[] p = Expect.success(
                    session.call(Command.DMA_UNMAP, Requests.dmaUnmap(0, address, size)),
                    24,
                    "the DMA_UNMAP reply (the request's entry)");
            Verdict.require(
                    Le.u32(p, 0) == 24 && Le.u32(p, 4) == 0 && Le.u64(p, 8) == address && Le.u64(p, 16) == size,
                    "the DMA_UNMAP reply does not echo the request's entry");
        }

        @Override
        public void close() {
            memory.close();
        }
    }

    private static String mapUnmap(Context c) throws IOException {
        try (Window w = Window.open(c)) {
            w.mapped(0, BASE, 2 * w.page());
            w.unmapped(BASE, 2 * w.page());
            Expect.success(
                    w.session().call(Command.DMA_MAP, Requests.dmaMap(RW, 0, BASE, 2 * w.page())),
                    0,
                    "a DMA_MAP reply (none)");
            w.unmapped(BASE, 2 * w.page());
            return "page 0x" + Long.toHexString(w.page()) + "; with and without an fd";
        }
    }

    private static String overlap(Context c) throws IOException {
        try (Window w = Window.open(c)) {
            long p = w.page();
            w.mapped(0, BASE, 2 * p);
            long[][] over = {{0, BASE, 2 * p}, {p, BASE + p, 2 * p}, {0, BASE - p, 2 * p}};
            for (long[] o : over) {
                String what = "DMA_MAP of [0x" + Long.toHexString(o[1]) + ", +0x" + Long.toHexString(o[2])
                        + ") over [0x" + Long.toHexString(BASE) + ", +0x" + Long.toHexString(2 * p) + ")";
                int errno = Expect.refused(w.map(RW, o[0], o[1], o[2]), what);
                Verdict.require(
                        errno == 17,
                        what + " refused with " + Expect.errnoName(errno) + "; the specification says EEXIST");
            }
            w.unmapped(BASE, 2 * p);
            return "3 overlapping maps refused with EEXIST";
        }
    }

    private static String unmapUnknown(Context c) throws IOException {
        try (Window w = Window.open(c)) {
            long p = w.page();
            Refusals r = new Refusals(w.session());
            r.expect(Command.DMA_UNMAP, Requests.dmaUnmap(0, BASE, 2 * p), "DMA_UNMAP of a range never mapped");
            w.mapped(0, BASE, 2 * p);
            r.expect(Command.DMA_UNMAP, Requests.dmaUnmap(0, BASE, p), "DMA_UNMAP of the first half of a mapping")
                    .expect(Command.DMA_UNMAP, Requests.dmaUnmap(0, BASE, 3 * p), "DMA_UNMAP of more than a mapping")
                    .expect(
                            Command.DMA_UNMAP,
                            Requests.dmaUnmap(0, BASE + p, p),
                            "DMA_UNMAP of the second half of a mapping");
            w.unmapped(BASE, 2 * p);
            r.expect(Command.DMA_UNMAP, Requests.dmaUnmap(0, BASE, 2 * p), "DMA_UNMAP of a mapping already unmapped");
            return r.summary();
        }
    }

    private static String dirtyBitmap(Context c) throws IOException {
        try (Window w = Window.open(c)) {
            long p = w.page();
            w.mapped(0, BASE, 2 * p);
            Refusals r = new Refusals(w.session());
            r.expect(
                    Command.DMA_UNMAP,
                    Requests.dmaUnmap(Spec.UNMAP_GET_DIRTY_BITMAP, BASE, 2 * p),
                    "DMA_UNMAP with the dirty-bitmap flag and no bitmap");
            try {
                w.unmapped(BASE, 2 * p);
            } catch (Verdict.Failed e) {
                throw Verdict.fail("the refused dirty-bitmap unmap still dropped the mapping: " + e.getMessage());
            }
            return r.summary() + "; the mapping stayed";
        }
    }

    private static String mapFlags(Context c) throws IOException {
        try (Window w = Window.open(c)) {
            long p = w.page();
            Refusals r = new Refusals(w.session());
            r.expect(
                    Command.DMA_MAP,
                    Requests.dmaMap(RW | 4, 0, BASE, 2 * p),
                    List.of(w.memory()),
                    "DMA_MAP with the undefined flag bit 2");
            try {
                w.mapped(0, BASE, 2 * p);
            } catch (Verdict.Failed e) {
                throw Verdict.fail("the refused map left something mapped: " + e.getMessage());
            }
            w.unmapped(BASE, 2 * p);
            return r.summary() + "; nothing stayed mapped";
        }
    }
}
