package dev.jvfio.server;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * The pages of client memory the device wrote while DMA logging is on (VU-10.13), at the page size
 * DMA_LOGGING_START chose, inside the ranges it named (or everywhere, for no ranges). The bitmap is
 * sparse: one chunk of {@link #CHUNK_PAGES} bits per stretch of memory written at all, so memory
 * follows what the device wrote, not the ranges' size (a START over the whole 64-bit space costs
 * nothing until something is written).
 *
 * <p>Bounded: beyond {@link #MAX_CHUNKS} chunks the log stops counting and every later report says
 * every page of its range is dirty until logging stops; a report may then be too large, never too
 * small, which is the side a migration can live with.
 *
 * <p>Device threads mark writes ({@link #mark}) while the session thread reports; one monitor
 * orders them. A write is marked after its bytes moved, so a report never clears a page before
 * the write it stands for is in memory.
 */
final class DirtyLog {
    /** Pages per chunk: a chunk is 4 KiB of bits (128 MiB of 4 KiB pages). */
    static final int CHUNK_SHIFT = 15;

    static final long CHUNK_PAGES = 1L << CHUNK_SHIFT;
    /** At most this many chunks (64 MiB of bits: 2 TiB of 4 KiB pages written) before the log overflows. */
    static final int MAX_CHUNKS = 16384;
    /** At most this many ranges in one DMA_LOGGING_START (the kernel allows 256). */
    static final int MAX_RANGES = 1024;

    private final int shift;
    private final int maxChunks;
    /** First and last address (inclusive, unsigned) of each logged range, in address order; empty = all. */
    private final long[] firsts;

    private final long[] lasts;
    /** Chunk index -> bits of its pages (bit i of word w = page chunk * CHUNK_PAGES + w * 64 + i). */
    private final TreeMap<Long, long[]> chunks = new TreeMap<>();

    private boolean overflowed;

    private DirtyLog(int shift, long[] firsts, long[] lasts, int maxChunks) {
        this.shift = shift;
        this.maxChunks = maxChunks;
        this.firsts = firsts;
        this.lasts = lasts;
    }

    /**
     * A log at {@code pageSize} (a power of two, at least 4 KiB) over the ranges given as firsts and
     * lengths (already checked not to wrap), or null if two ranges overlap (VU-10.12).
     */
    static DirtyLog of(long pageSize, long[] starts, long[] lengths) {
        return of(pageSize, starts, lengths, MAX_CHUNKS);
    }

    /** As {@link #of(long, long[], long[])}, overflowing beyond {@code maxChunks} chunks (tests). */
    static DirtyLog of(long pageSize, long[] starts, long[] lengths, int maxChunks) {
        int n = starts.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Long.compareUnsigned(starts[a], starts[b]));
        long[] firsts = new long[n];
        long[] lasts = new long[n];
        for (int i = 0; i < n; i++) {
            firsts[i] = starts[order[i]];
            lasts[i] = starts[order[i]] + lengths[order[i]] - 1;
            if (i > 0 && Long.compareUnsigned(firsts[i], lasts[i - 1]) <= 0) {
                return null;
            }
        }
        return new DirtyLog(Long.numberOfTrailingZeros(pageSize), firsts, lasts, maxChunks);
    }

    long pageSize() {
        return 1L << shift;
    }

    /** Whether every byte of [iova, iova + length) lies in the logged ranges (length > 0, no wrap). */
    boolean covers(long iova, long length) {
        if (firsts.length == 0) {
            return true;
        }
        long last = iova + length - 1;
        int i = rangeAtOrBelow(iova);
        if (i < 0 || Long.compareUnsigned(lasts[i], iova) < 0) {
            return false;
        }
        while (Long.compareUnsigned(lasts[i], last) < 0) {
            if (i + 1 == firsts.length || firsts[i + 1] != lasts[i] + 1) {
                return false;
            }
            i++;
        }
        return true;
    }

    /** The index of the last range starting at or below {@code address}, or -1. */
    private int rangeAtOrBelow(long address) {
        int lo = 0;
        int hi = firsts.length - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(firsts[mid], address) <= 0) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    /** The device wrote {@code length} bytes (> 0) at {@code iova}: marks their pages inside the logged ranges. */
    synchronized void mark(long iova, long length) {
        long last = iova + length - 1;
        if (Long.compareUnsigned(last, iova) < 0) {
            last = -1L; // the access ran to the top of the address space
        }
        if (firsts.length == 0) {
            markPages(iova >>> shift, last >>> shift);
            return;
        }
        for (int i = rangeAtOrBelow(last); i >= 0 && Long.compareUnsigned(lasts[i], iova) >= 0; i--) {
            long a = Long.compareUnsigned(firsts[i], iova) > 0 ? firsts[i] : iova;
            long b = Long.compareUnsigned(lasts[i], last) < 0 ? lasts[i] : last;
            markPages(a >>> shift, b >>> shift);
        }
    }

    /** Sets the bits of pages first..last (inclusive). */
    private void markPages(long first, long last) {
        if (overflowed) {
            return;
        }
        for (long p = first; p <= last; ) {
            long chunk = p >>> CHUNK_SHIFT;
            long[] bits = chunks.get(chunk);
            if (bits == null) {
                if (chunks.size() >= maxChunks) {
                    overflowed = true;
                    chunks.clear();
                    return;
                }
                bits = new long[(int) (CHUNK_PAGES >>> 6)];
                chunks.put(chunk, bits);
            }
            long chunkLast = chunk * CHUNK_PAGES + CHUNK_PAGES - 1;
            long end = Math.min(last, chunkLast);
            setBits(bits, (int) (p - chunk * CHUNK_PAGES), (int) (end - chunk * CHUNK_PAGES));
            p = end + 1;
        }
    }

    private static void setBits(long[] words, int from, int to) {
        for (int w = from >>> 6; w <= to >>> 6; w++) {
            int lo = w == from >>> 6 ? from & 63 : 0;
            int hi = w == to >>> 6 ? to & 63 : 63;
            words[w] |= (-1L >>> (63 - hi)) & (-1L << lo);
        }
    }

    /**
     * Fills {@code bitmap} (zeroed here; one bit per page of 2^reportShift bytes from iova, the
     * length of {@link dev.jvfio.protocol.DmaLoggingReport#bitmapBytes}) with the written pages of
     * [iova, iova + length), and clears every tracked page the range covers whole (VU-10.14). A
     * report page larger than a tracked page is dirty if any tracked page in it is; a smaller one
     * takes the bit of the tracked page it lies in.
     */
    synchronized void report(long iova, long length, int reportShift, MemorySegment bitmap) {
        bitmap.fill((byte) 0);
        long last = iova + length - 1;
        long reportPages = length >>> reportShift;
        if (overflowed) {
            setReportBits(bitmap, 0, reportPages - 1);
            return;
        }
        long firstPage = iova >>> shift;
        long lastPage = last >>> shift;
        long size = 1L << shift;
        Iterator<Map.Entry<Long, long[]>> it = chunks.subMap(
                        firstPage >>> CHUNK_SHIFT, true, lastPage >>> CHUNK_SHIFT, true)
                .entrySet()
                .iterator();
        while (it.hasNext()) {
            Map.Entry<Long, long[]> e = it.next();
            long base = e.getKey() * CHUNK_PAGES;
            long[] words = e.getValue();
            boolean empty = true;
            for (int w = 0; w < words.length; w++) {
                long bits = words[w];
                while (bits != 0) {
                    int b = Long.numberOfTrailingZeros(bits);
                    bits &= bits - 1;
                    long page = base + w * 64L + b;
                    if (page < firstPage || page > lastPage) {
                        continue;
                    }
                    long from = page << shift;
                    long to = from + size - 1;
                    boolean whole = Long.compareUnsigned(from, iova) >= 0 && Long.compareUnsigned(to, last) <= 0;
                    long a = Long.compareUnsigned(from, iova) >= 0 ? from : iova;
                    long z = Long.compareUnsigned(to, last) <= 0 ? to : last;
                    setReportBits(bitmap, (a - iova) >>> reportShift, (z - iova) >>> reportShift);
                    if (whole) {
                        words[w] &= ~(1L << b);
                    }
                }
                empty &= words[w] == 0;
            }
            if (empty) {
                it.remove();
            }
        }
    }

    /** Sets report bits first..last (inclusive) of a little-endian u64 bitmap: bit n is bit n%8 of byte n/8. */
    private static void setReportBits(MemorySegment bitmap, long first, long last) {
        long n = first;
        while (n <= last && (n & 7) != 0) {
            setBit(bitmap, n++);
        }
        long wholeBytes = (last + 1 - n) >>> 3;
        if (wholeBytes > 0) {
            bitmap.asSlice(n >>> 3, wholeBytes).fill((byte) -1);
            n += wholeBytes << 3;
        }
        while (n <= last) {
            setBit(bitmap, n++);
        }
    }

    private static void setBit(MemorySegment bitmap, long n) {
        byte v = bitmap.get(ValueLayout.JAVA_BYTE, n >>> 3);
        bitmap.set(ValueLayout.JAVA_BYTE, n >>> 3, (byte) (v | (1 << (n & 7))));
    }

    /** Chunks held (for tests of the memory bound). */
    synchronized int chunks() {
        return chunks.size();
    }

    synchronized boolean overflowed() {
        return overflowed;
    }
}
