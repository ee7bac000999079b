package dev.jvfio.devicestate;

import dev.jvfio.device.Errno;
import dev.jvfio.device.VfioException;
import dev.jvfio.os.MappedMemory;
import dev.jvfio.os.NativeException;
import dev.jvfio.os.PageSize;
import java.lang.foreign.MemorySegment;
import java.util.zip.CRC32C;

/**
 * How a saving stream reads device memory: through a read-only mapping of the memory file, kept
 * for the whole stream, so that the stop-copy check of every chunk sent before (MIG-1.9) reads
 * pages the pre-copy pass already mapped instead of copying them out of the file again; that check
 * is most of the downtime. Only populated extents are ever read through it (a read fault on a hole
 * of a shared memory file would fill the hole), holes count as zeros.
 *
 * <p>The mapped pages are the device memory itself, resident once on the host whoever maps them:
 * they count in the server's VmRSS (as RssShmem) while the stream lives, and the server allocates
 * nothing for them. Where the file cannot be mapped, reads fall back to positional reads.
 */
final class ImageReader implements AutoCloseable {
    /** Bytes hashed per step on the positional-read path. */
    private static final long STEP = 256 << 10;

    private final MemoryImage memory;
    private final MappedMemory mapping;
    /** The image's bytes within {@link #mapping}, or null (positional reads). */
    private final MemorySegment image;

    private ImageReader(MemoryImage memory, MappedMemory mapping, MemorySegment image) {
        this.memory = memory;
        this.mapping = mapping;
        this.image = image;
    }

    /** A reader that maps the image, or reads it positionally when mapping fails. */
    static ImageReader of(MemoryImage memory) {
        long start = PageSize.system().roundDown(memory.fileOffset());
        long lead = memory.fileOffset() - start;
        try {
            MappedMemory m = MappedMemory.map(memory.fd(), start, lead + memory.size(), false);
            return new ImageReader(memory, m, m.segment().asSlice(lead, memory.size()));
        } catch (NativeException | RuntimeException e) {
            return positional(memory);
        }
    }

    /** A reader that never maps (positional reads only). */
    static ImageReader positional(MemoryImage memory) {
        return new ImageReader(memory, null, null);
    }

    MemoryImage memory() {
        return memory;
    }

    /** Copies {@code dst.byteSize()} populated bytes at image offset {@code at} into dst. */
    void read(long at, MemorySegment dst) throws VfioException {
        if (image == null) {
            memory.read(at, dst);
            return;
        }
        try {
            MemorySegment.copy(image, at, dst, 0, dst.byteSize());
        } catch (InternalError e) {
            throw lost(at, e);
        }
    }

    /**
     * Feeds the chunk's content now to {@code crc}: the extents (offsets and lengths within the
     * chunk, alternating) as they read, the rest as zeros. {@code scratch} serves the positional
     * path.
     */
    void digest(CRC32C crc, long chunkStart, long chunkLength, long[] extents, MemorySegment scratch)
            throws VfioException {
        long content = 0;
        for (int i = 0; i < extents.length; i += 2) {
            Crc.zeros(crc, extents[i] - content);
            update(crc, chunkStart + extents[i], extents[i + 1], scratch);
            content = extents[i] + extents[i + 1];
        }
        Crc.zeros(crc, chunkLength - content);
    }

    private void update(CRC32C crc, long at, long length, MemorySegment scratch) throws VfioException {
        if (image != null) {
            try {
                crc.update(image.asSlice(at, length).asByteBuffer());
                return;
            } catch (InternalError e) {
                throw lost(at, e);
            }
        }
        long step = Math.min(STEP, scratch.byteSize());
        for (long done = 0; done < length; done += step) {
            MemorySegment piece = scratch.asSlice(0, Math.min(step, length - done));
            memory.read(at + done, piece);
            crc.update(piece.asByteBuffer());
        }
    }

    /** The file shrank under the mapping (someone truncated a backing file): the bytes are gone. */
    private static VfioException lost(long at, InternalError e) {
        return new VfioException(
                Errno.EIO,
                "device memory at 0x" + Long.toHexString(at) + " could not be read (" + e.getMessage() + ")");
    }

    /**
     * Unmaps, on a thread of its own: taking down the page tables of a large mapping takes a while
     * (about 15 ms per GiB mapped here), and the stream closes while the guest is paused.
     */
    @Override
    public void close() {
        if (mapping != null) {
            Thread.ofPlatform().daemon().name("jvfio-migration-unmap").start(mapping::close);
        }
    }
}
