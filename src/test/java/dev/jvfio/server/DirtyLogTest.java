package dev.jvfio.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.Seeds;
import dev.jvfio.protocol.DmaLoggingReport;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

/**
 * The dirty log against a model (VU-10.13, VU-10.14): seeded random writes and reports, tracking at
 * 4 KiB and 64 KiB, reporting at pages finer, equal and coarser, ranges anywhere in the 64-bit
 * space including its top, and the memory bound.
 */
class DirtyLogTest {
    /** The model: dirty tracked page indexes. */
    private final Set<Long> dirty = new HashSet<>();

    @RepeatedTest(40)
    @DisplayName(
            "VU-10.13 VU-10.14 random writes and reports: every bit exactly as the model says, reading clears whole tracked pages")
    void vu10_14_matchesModel(RepetitionInfo rep) {
        long seed = Seeds.of(0xD127L + rep.getCurrentRepetition());
        Random r = new Random(seed);
        int shift = r.nextBoolean() ? 12 : 16;
        long g = 1L << shift;
        long span = 1L << 22;
        long base = r.nextInt(3) == 0 ? -span : (long) r.nextInt(64) << 30; // sometimes at the very top
        // logged ranges: none (everything) or up to 4 disjoint, aligned ranges in [base, base + span)
        List<long[]> ranges = new ArrayList<>();
        if (r.nextInt(3) != 0) {
            long at = base;
            for (int i = 0; i < 1 + r.nextInt(4); i++) {
                at += g * r.nextInt(8);
                long len = g * (1 + r.nextInt(span / g / 4 > 64 ? 64 : (int) (span / g / 4)));
                if (Long.compareUnsigned(at - base + len, span) > 0) {
                    break;
                }
                ranges.add(new long[] {at, len});
                at += len + (r.nextBoolean() ? 0 : g);
            }
        }
        long[] starts = ranges.stream().mapToLong(x -> x[0]).toArray();
        long[] lengths = ranges.stream().mapToLong(x -> x[1]).toArray();
        DirtyLog log = DirtyLog.of(g, starts, lengths);
        assertThat(log).isNotNull();
        dirty.clear();
        int reports = 0;
        int setBits = 0;
        try (Arena arena = Arena.ofConfined()) {
            for (int step = 0; step < 300; step++) {
                if (r.nextInt(4) != 0) {
                    long iova = base + (r.nextLong() & (span - 1));
                    long len = 1 + r.nextInt(r.nextBoolean() ? 64 : 300_000);
                    if (Long.compareUnsigned(iova + len - 1, iova) < 0) {
                        continue;
                    }
                    log.mark(iova, len);
                    modelMark(iova, len, shift, ranges);
                    continue;
                }
                int reportShift = r.nextInt(3) == 0 ? shift : 12 + r.nextInt(7);
                long p = 1L << reportShift;
                long from = base;
                long to = base + span; // exclusive, may be 0 at the top
                if (!ranges.isEmpty()) {
                    int i = r.nextInt(ranges.size());
                    from = ranges.get(i)[0];
                    int j = i;
                    while (r.nextBoolean()
                            && j + 1 < ranges.size()
                            && ranges.get(j + 1)[0] == ranges.get(j)[0] + ranges.get(j)[1]) {
                        j++; // a report across adjacent ranges
                    }
                    to = ranges.get(j)[0] + ranges.get(j)[1];
                }
                long iova = (from + p - 1) & -p;
                long room = (to - iova) / p; // whole report pages between iova and the end
                if (Long.compareUnsigned(iova, from) < 0
                        || Long.compareUnsigned(to - iova, to - from) > 0
                        || room <= 0) {
                    continue;
                }
                long skip = r.nextInt((int) Math.min(room, 64));
                iova += skip * p;
                long len = p * (1 + r.nextInt((int) Math.min(room - skip, 600)));
                if (Long.compareUnsigned(iova + len - 1, iova) < 0 || !log.covers(iova, len)) {
                    continue;
                }
                MemorySegment bitmap = arena.allocate(DmaLoggingReport.bitmapBytes(len, reportShift));
                log.report(iova, len, reportShift, bitmap);
                long pages = len >>> reportShift;
                for (long n = 0; n < bitmap.byteSize() * 8; n++) {
                    boolean got = (bitmap.get(ValueLayout.JAVA_BYTE, n >>> 3) & (1 << (n & 7))) != 0;
                    boolean want = n < pages && modelAny(iova + n * p, p, shift);
                    setBits += got ? 1 : 0;
                    assertThat(got)
                            .as(
                                    "seed %d: bit %d of report at 0x%x+0x%x in pages of %d, tracking %d",
                                    seed, n, iova, len, p, g)
                            .isEqualTo(want);
                }
                modelClear(iova, len, shift);
                reports++;
            }
        }
        assertThat(reports).as("seed %d: reports made", seed).isPositive();
        assertThat(setBits).as("seed %d: dirty bits seen", seed).isPositive();
    }

    private static boolean inRanges(long address, List<long[]> ranges) {
        if (ranges.isEmpty()) {
            return true;
        }
        for (long[] x : ranges) {
            if (Long.compareUnsigned(address - x[0], x[1]) < 0) {
                return true;
            }
        }
        return false;
    }

    private void modelMark(long iova, long len, int shift, List<long[]> ranges) {
        for (long a = iova; Long.compareUnsigned(a - iova, len) < 0; a = ((a >>> shift) + 1) << shift) {
            // a tracked page is dirty if a written byte in it lies in a logged range
            long page = a >>> shift;
            long end = Long.compareUnsigned(((page + 1) << shift) - iova, len) < 0 ? (page + 1) << shift : iova + len;
            for (long b = a; b != end; b++) {
                if (inRanges(b, ranges)) {
                    dirty.add(page);
                    break;
                }
                if (ranges.isEmpty()) {
                    break;
                }
                // skip ahead to the next range start inside this piece
                long next = end;
                for (long[] x : ranges) {
                    if (Long.compareUnsigned(x[0], b) > 0 && Long.compareUnsigned(x[0], next - 1) <= 0) {
                        next = x[0];
                    }
                }
                if (next == end) {
                    break;
                }
                b = next - 1;
            }
            if (end == iova + len) {
                break;
            }
        }
    }

    private boolean modelAny(long from, long size, int shift) {
        for (long q = from >>> shift; q <= (from + size - 1) >>> shift; q++) {
            if (dirty.contains(q)) {
                return true;
            }
        }
        return false;
    }

    private void modelClear(long iova, long len, int shift) {
        long last = iova + len - 1;
        dirty.removeIf(q -> Long.compareUnsigned(q << shift, iova) >= 0
                && Long.compareUnsigned((q << shift) + (1L << shift) - 1, last) <= 0);
    }

    @Test
    @DisplayName("VU-10.12 overlapping ranges are refused; adjacent ones cover together, a gap does not")
    void vu10_12_rangesOverlapAndCover() {
        assertThat(DirtyLog.of(4096, new long[] {0, 4096}, new long[] {8192, 4096}))
                .isNull();
        DirtyLog log = DirtyLog.of(4096, new long[] {0x10000, 0}, new long[] {0x10000, 0x10000});
        assertThat(log.covers(0, 0x20000)).isTrue();
        assertThat(log.covers(0x8000, 0x10000)).isTrue();
        assertThat(log.covers(0, 0x21000)).isFalse();
        DirtyLog gap = DirtyLog.of(4096, new long[] {0, 0x11000}, new long[] {0x10000, 0x1000});
        assertThat(gap.covers(0, 0x12000)).isFalse();
        assertThat(gap.covers(0x11000, 0x1000)).isTrue();
        DirtyLog top = DirtyLog.of(4096, new long[] {-0x2000L}, new long[] {0x2000});
        assertThat(top.covers(-0x2000L, 0x2000)).isTrue();
    }

    @Test
    @DisplayName(
            "VU-10.13 memory follows what was written, not the ranges' size; past the bound every page reports dirty")
    void vu10_13_bounded() {
        DirtyLog log = DirtyLog.of(4096, new long[0], new long[0], 4);
        log.mark(0, 1);
        log.mark(1L << 40, 1);
        log.mark(-4096L, 4096);
        assertThat(log.chunks()).isEqualTo(3);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment bitmap = arena.allocate(8);
            log.report(-4096L * 64, 4096L * 64, 12, bitmap);
            assertThat(bitmap.get(ValueLayout.JAVA_LONG_UNALIGNED, 0)).isEqualTo(1L << 63);
            assertThat(log.chunks()).isEqualTo(2); // an emptied chunk is let go
            log.mark(1L << 50, 1);
            log.mark(1L << 51, 1);
            log.mark(1L << 52, 1);
            assertThat(log.overflowed()).isTrue();
            assertThat(log.chunks()).isZero();
            log.report(0, 4096L * 100, 12, arena.allocate(16));
            MemorySegment all = arena.allocate(16);
            log.report(0x7000_0000L, 4096L * 100, 12, all);
            assertThat(all.get(ValueLayout.JAVA_LONG_UNALIGNED, 0)).isEqualTo(-1L);
            assertThat(all.get(ValueLayout.JAVA_LONG_UNALIGNED, 8)).isEqualTo((1L << 36) - 1);
        }
    }
}
