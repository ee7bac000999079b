package dev.jvfio.bench;

import dev.jvfio.client.VfioUserClient;
import dev.jvfio.device.RegionInfo;
import dev.jvfio.device.SparseArea;
import dev.jvfio.device.Vfio;
import dev.jvfio.device.VfioException;
import dev.jvfio.os.Fd;
import dev.jvfio.os.MappedMemory;
import dev.jvfio.os.Memfd;
import dev.jvfio.os.PageSize;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The mapped rows: GB/s of the client copying chunks out of and into BAR4 of the gh200 through its
 * own mmap of the fd the server handed out, beside MemorySegment.copy over a memfd this process maps.
 */
final class MappedGroup {
    /** No jvfio code runs on the mapped path: at least 0.90 of copying the same kind of memory. */
    static final double TARGET = 0.90;

    private final Bench b;

    MappedGroup(Bench bench) {
        this.b = bench;
    }

    void measure(List<VfioUserClient> gpuClients) throws IOException, VfioException {
        List<MemorySegment> windows = new ArrayList<>();
        long window = b.o.mappedWindow();
        for (VfioUserClient c : gpuClients) {
            RegionInfo bar4 = c.regionInfo(Vfio.PCI_BAR4_REGION_INDEX);
            SparseArea area = mappableArea(bar4);
            window = Math.min(window, area.size() / Bench.COPY_CHUNK * Bench.COPY_CHUNK);
            MappedMemory m = VfioUserClient.mapRegion(bar4, area.offset(), window, true);
            b.open.add(m);
            windows.add(m.segment());
        }
        // Error Prone wants the arena in a try-with-resources; the bench's open list owns it and closes it.
        @SuppressWarnings("MustBeClosedChecker")
        Arena arena = Arena.ofShared();
        b.open.add(arena);
        List<MemorySegment> plain = new ArrayList<>();
        b.say("mapped: touching " + Text.size(window) + " of BAR4 per device and as much plain memory for the floor");
        // First touch, outside the rounds. Both sides' pages come into existence interleaved, chunk by
        // chunk: on this VM memory touched later streams faster (by 15-20%, either way round), so
        // touching one side first would decide the ratio instead of the mapping.
        long touchNanos = 0;
        for (int i = 0; i < windows.size(); i++) {
            windows.set(i, windows.get(i).asSlice(0, window));
            // the floor's window is the same kind of memory (a memfd of this process, mapped shared):
            // private anonymous memory streams ~15% slower than shmem on this VM
            Fd floorFile = Memfd.create("bench-floor-" + i, window);
            MappedMemory floorMap = MappedMemory.map(floorFile, 0, window, true);
            floorFile.close();
            b.open.add(floorMap);
            plain.add(floorMap.segment());
            for (long at = 0; at < window; at += Bench.COPY_CHUNK) {
                long t0 = System.nanoTime();
                windows.get(i).asSlice(at, Bench.COPY_CHUNK).fill((byte) 0x5A);
                touchNanos += System.nanoTime() - t0;
                plain.get(i).asSlice(at, Bench.COPY_CHUNK).fill((byte) 0x5A);
            }
        }
        double firstTouch = touchNanos / 1e9;
        b.notes.add(String.format(
                Locale.ROOT,
                "first touch of BAR4 through the mapping (page faults): %.2f GB/s",
                window * windows.size() / firstTouch / 1e9));
        for (boolean read : new boolean[] {true, false}) {
            String what = read ? "read" : "write";
            b.say("mapped: BAR4 " + what + "s in " + Text.size(Bench.COPY_CHUNK) + " copies");
            List<Op> floorLanes = new ArrayList<>();
            List<Op> subjectLanes = new ArrayList<>();
            for (int i = 0; i < windows.size(); i++) {
                // the same small page-aligned buffer for both sides
                MemorySegment local =
                        arena.allocate(Bench.COPY_CHUNK, PageSize.system().bytes());
                floorLanes.add(new CopyLane(plain.get(i), local, read));
                subjectLanes.add(new CopyLane(windows.get(i), local, read));
            }
            Side floor = new Side("copy", floorLanes, false);
            Side jvfio = new Side("mapped", subjectLanes, false);
            Rounds rounds = b.alternate(floor, jvfio, TARGET);
            double gb = Bench.COPY_CHUNK / 1e9;
            b.rows.add(Rows.row(
                    "mapped." + what,
                    "mapped",
                    "BAR4 " + what + " (mmap, " + Text.size(window) + ")",
                    "GB/s",
                    true,
                    Stat.of(jvfio.rates(), true).scaled(gb),
                    Stat.of(floor.rates(), true).scaled(gb),
                    Bench.COPY,
                    null,
                    null,
                    rounds,
                    Rows.ratioTarget(TARGET)));
        }
    }

    /** The first mmap-able area of a region (the whole region if it has no sparse areas). */
    static SparseArea mappableArea(RegionInfo info) throws IOException {
        if (!info.mappable()) {
            throw new IOException("BAR4 is not mappable (flags 0x" + Integer.toHexString(info.flags()) + ")");
        }
        return info.sparseAreas().isEmpty()
                ? new SparseArea(0, info.size())
                : info.sparseAreas().getFirst();
    }
}
