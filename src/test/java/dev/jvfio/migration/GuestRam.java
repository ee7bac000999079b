package dev.jvfio.migration;

import dev.jvfio.os.Fd;
import dev.jvfio.os.MappedMemory;
import dev.jvfio.os.Memfd;
import java.lang.foreign.MemorySegment;
import java.util.BitSet;

/**
 * The guest's RAM as a VMM keeps it: a memfd it maps itself and hands to each device server with
 * DMA_MAP at bus address {@link #iova}, as QEMU does with {@code memory-backend-memfd,share=on}.
 */
final class GuestRam implements AutoCloseable {
    static final long PAGE = 4096;

    final long iova;
    final long size;
    private final Fd fd;
    private final MappedMemory map;

    GuestRam(long iova, long size) throws Exception {
        this.iova = iova;
        this.size = size;
        this.fd = Memfd.create("guest-ram", size);
        this.map = MappedMemory.map(fd, 0, size, true);
    }

    Fd fd() {
        return fd;
    }

    /** The VMM's (and so the guest's) view of {@code length} bytes at bus address {@code busAddress}. */
    MemorySegment at(long busAddress, long length) {
        return map.segment().asSlice(busAddress - iova, length);
    }

    /** The guest pages (numbered from {@link #iova}) that {@code length} bytes at {@code busAddress} touch. */
    BitSet pages(long busAddress, long length) {
        BitSet b = new BitSet();
        b.set((int) ((busAddress - iova) / PAGE), (int) ((busAddress - iova + length - 1) / PAGE) + 1);
        return b;
    }

    @Override
    public void close() {
        map.close();
        fd.close();
    }
}
