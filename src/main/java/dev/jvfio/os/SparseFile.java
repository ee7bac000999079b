package dev.jvfio.os;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A sparse file (memfd, backing file) seen through its descriptor: where its data lies
 * (lseek SEEK_DATA / SEEK_HOLE: page granular on a memfd or tmpfs, block granular elsewhere),
 * positional reads and writes that never touch a mapping, and holes punched back in.
 *
 * <p>Reading a hole through a pread gives zeros without allocating anything, unlike a read through
 * a shared mapping of a memfd, which allocates the page: a migration reads device memory this way
 * so that a 96 GiB file with 1 GiB written stays 1 GiB, and so that the server's resident size does
 * not grow by what it streams.
 */
public final class SparseFile {
    private SparseFile() {}

    private static final long BOUNCE = 256 << 10;
    private static final MemorySegment ZEROS = Arena.global().allocate(BOUNCE, 4096);

    /** The first offset at or after {@code from} that holds data, or -1 when none does. */
    public static long nextData(Fd fd, long from) throws NativeException {
        return FileCalls.seek(fd.value(), from, FileCalls.SEEK_DATA);
    }

    /** The first offset at or after {@code from} in a hole (the end of the file is one), or -1 past the end. */
    public static long nextHole(Fd fd, long from) throws NativeException {
        return FileCalls.seek(fd.value(), from, FileCalls.SEEK_HOLE);
    }

    /**
     * Reads {@code dst.byteSize()} bytes at {@code offset}; bytes past the end of the file read as
     * zero (a file someone shrank). {@code dst} may be on the heap (then it goes through a bounce).
     */
    public static void readFully(Fd fd, MemorySegment dst, long offset) throws NativeException {
        if (!dst.isNative()) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment bounce = a.allocate(Math.min(BOUNCE, Math.max(1, dst.byteSize())), 4096);
                for (long done = 0; done < dst.byteSize(); ) {
                    long n = Math.min(bounce.byteSize(), dst.byteSize() - done);
                    readFully(fd, bounce.asSlice(0, n), offset + done);
                    MemorySegment.copy(bounce, 0, dst, done, n);
                    done += n;
                }
            }
            return;
        }
        int raw = fd.value();
        long done = 0;
        while (done < dst.byteSize()) {
            long r = FileCalls.pread(raw, dst.asSlice(done), offset + done);
            if (r == 0) {
                dst.asSlice(done).fill((byte) 0);
                return;
            }
            done += r;
        }
    }

    /** Writes all of {@code src} at {@code offset} (heap segments go through a bounce). */
    public static void writeFully(Fd fd, MemorySegment src, long offset) throws NativeException {
        if (!src.isNative()) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment bounce = a.allocate(Math.min(BOUNCE, Math.max(1, src.byteSize())), 4096);
                for (long done = 0; done < src.byteSize(); ) {
                    long n = Math.min(bounce.byteSize(), src.byteSize() - done);
                    MemorySegment.copy(src, done, bounce, 0, n);
                    writeFully(fd, bounce.asSlice(0, n), offset + done);
                    done += n;
                }
            }
            return;
        }
        int raw = fd.value();
        long done = 0;
        while (done < src.byteSize()) {
            long w = FileCalls.pwrite(raw, src.asSlice(done), offset + done);
            if (w == 0) {
                throw new NativeException("pwrite", LinuxErrno.ENOSPC, "wrote nothing at " + (offset + done));
            }
            done += w;
        }
    }

    /**
     * Makes {@code [offset, offset + length)} read as zeros and hold no data: a punched hole where
     * the file system can punch one, else zeros written over the data that lies there.
     */
    public static void zero(Fd fd, long offset, long length) throws NativeException {
        if (length <= 0) {
            return;
        }
        int errno = FileCalls.fallocate(
                fd.value(), FileCalls.FALLOC_FL_PUNCH_HOLE | FileCalls.FALLOC_FL_KEEP_SIZE, offset, length);
        if (errno == 0) {
            return;
        }
        if (errno != LinuxErrno.ENOTSUP && errno != LinuxErrno.ENOSYS) {
            throw new NativeException("fallocate(PUNCH_HOLE)", errno, "fd " + fd.value() + " at " + offset);
        }
        long end = offset + length;
        long at = nextData(fd, offset);
        while (at >= 0 && at < end) {
            long hole = nextHole(fd, at);
            long stop = hole < 0 ? end : Math.min(hole, end);
            for (long p = at; p < stop; ) {
                long n = Math.min(BOUNCE, stop - p);
                writeFully(fd, ZEROS.asSlice(0, n), p);
                p += n;
            }
            at = stop >= end ? -1 : nextData(fd, stop);
        }
    }
}
