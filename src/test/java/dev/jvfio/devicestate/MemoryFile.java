package dev.jvfio.devicestate;

import dev.jvfio.os.Fd;
import dev.jvfio.os.Memfd;
import dev.jvfio.os.SparseFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32C;

/** A sparse memfd standing for device memory, with ways to write it and to compare its content. */
public final class MemoryFile implements AutoCloseable {
    final Fd fd;
    final long size;

    MemoryFile(long size) throws Exception {
        this.size = size;
        this.fd = Memfd.createFixedSize("mig-test", size);
    }

    MemoryImage image() {
        return MemoryImage.of(fd, 0, size);
    }

    /** Writes {@code length} seeded random bytes at offset. */
    void fill(long offset, long length, long seed) throws Exception {
        Random r = new Random(seed);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(1 << 20, 4096);
            for (long done = 0; done < length; ) {
                int n = (int) Math.min(buf.byteSize(), length - done);
                for (int i = 0; i < n; i += 8) {
                    buf.set(ValueLayout.JAVA_LONG_UNALIGNED, i, r.nextLong());
                }
                SparseFile.writeFully(fd, buf.asSlice(0, n), offset + done);
                done += n;
            }
        }
    }

    /** The populated extents and a CRC32C of each: equal on two files means equal content and equal holes. */
    public static List<String> fingerprint(Fd fd, long fileOffset, long size) throws Exception {
        List<String> out = new ArrayList<>();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(1 << 20, 4096);
            for (long d = SparseFile.nextData(fd, fileOffset); d >= 0 && d < fileOffset + size; ) {
                long h = Math.min(fileOffset + size, SparseFile.nextHole(fd, d));
                CRC32C crc = new CRC32C();
                for (long p = d; p < h; p += buf.byteSize()) {
                    MemorySegment piece = buf.asSlice(0, Math.min(buf.byteSize(), h - p));
                    SparseFile.readFully(fd, piece, p);
                    crc.update(piece.asByteBuffer());
                }
                out.add((d - fileOffset) + "+" + (h - d) + ":" + Long.toHexString(crc.getValue()));
                d = h >= fileOffset + size ? -1 : SparseFile.nextData(fd, h);
            }
        }
        return out;
    }

    List<String> fingerprint() throws Exception {
        return fingerprint(fd, 0, size);
    }

    @Override
    public void close() {
        fd.close();
    }
}
