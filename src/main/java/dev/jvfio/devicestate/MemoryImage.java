package dev.jvfio.devicestate;

import dev.jvfio.device.Errno;
import dev.jvfio.device.VfioException;
import dev.jvfio.os.Fd;
import dev.jvfio.os.FileIdentity;
import dev.jvfio.os.NativeException;
import dev.jvfio.os.SparseFile;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * A device's memory as a migration moves it: {@code size} bytes of a file (memfd or backing file)
 * from {@code fileOffset}, reached by positional reads and writes on the descriptor and never
 * through a mapping, so a hole is never filled by looking at it and the server's resident size
 * does not grow by the bytes it streams. Offsets here are offsets into the image.
 */
public final class MemoryImage {
    private final Fd fd;
    private final long fileOffset;
    private final long size;

    private MemoryImage(Fd fd, long fileOffset, long size) {
        this.fd = Objects.requireNonNull(fd, "fd");
        if (fileOffset < 0 || size <= 0) {
            throw new IllegalArgumentException("memory image at " + fileOffset + " of " + size + " bytes");
        }
        this.fileOffset = fileOffset;
        this.size = size;
    }

    /**
     * The image of {@code size} bytes of the file behind {@code fd} from {@code fileOffset}. The
     * descriptor stays its owner's; the image only uses it.
     */
    public static MemoryImage of(Fd fd, long fileOffset, long size) {
        return new MemoryImage(fd, fileOffset, size);
    }

    /** The file's descriptor (the image's owner keeps it open). */
    Fd fd() {
        return fd;
    }

    public long size() {
        return size;
    }

    public long fileOffset() {
        return fileOffset;
    }

    /** Which file the image lives in, to tell whether a destination maps the same one. */
    FileIdentity identity() throws VfioException {
        try {
            return FileIdentity.of(fd);
        } catch (NativeException e) {
            throw io(e);
        }
    }

    /** The first image offset at or after {@code from} holding data, or -1 when none does. */
    long nextData(long from) throws VfioException {
        if (from >= size) {
            return -1;
        }
        try {
            long d = SparseFile.nextData(fd, fileOffset + from);
            return d < 0 || d - fileOffset >= size ? -1 : Math.max(from, d - fileOffset);
        } catch (NativeException e) {
            throw io(e);
        }
    }

    /** The first image offset at or after {@code from} in a hole, at most {@link #size}. */
    long nextHole(long from) throws VfioException {
        try {
            long h = SparseFile.nextHole(fd, fileOffset + from);
            return h < 0 ? size : Math.min(size, Math.max(from, h - fileOffset));
        } catch (NativeException e) {
            throw io(e);
        }
    }

    /** Reads dst.byteSize() bytes at image offset {@code at} (holes read as zeros). */
    void read(long at, MemorySegment dst) throws VfioException {
        try {
            SparseFile.readFully(fd, dst, fileOffset + at);
        } catch (NativeException e) {
            throw io(e);
        }
    }

    /** Writes src at image offset {@code at}. */
    void write(long at, MemorySegment src) throws VfioException {
        try {
            SparseFile.writeFully(fd, src, fileOffset + at);
        } catch (NativeException e) {
            throw io(e);
        }
    }

    /** Makes {@code [at, at + length)} a hole (reads as zeros). */
    void zero(long at, long length) throws VfioException {
        try {
            SparseFile.zero(fd, fileOffset + at, length);
        } catch (NativeException e) {
            throw io(e);
        }
    }

    /** Bytes of the image from {@code from} on that hold data now (a walk over its extents). */
    long populatedBytes(long from) throws VfioException {
        long total = 0;
        for (long d = nextData(from); d >= 0; ) {
            long h = nextHole(d);
            total += h - d;
            d = h >= size ? -1 : nextData(h);
        }
        return total;
    }

    private static VfioException io(NativeException e) {
        return new VfioException(Errno.EIO, "device memory: " + e.getMessage());
    }

    @Override
    public String toString() {
        return "MemoryImage(" + fd + " at " + fileOffset + ", " + size + " bytes)";
    }
}
