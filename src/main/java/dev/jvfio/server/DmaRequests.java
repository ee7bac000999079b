package dev.jvfio.server;

import dev.jvfio.device.Errno;
import dev.jvfio.os.Fd;
import dev.jvfio.os.MappedMemory;
import dev.jvfio.os.NativeException;
import dev.jvfio.protocol.Command;
import dev.jvfio.protocol.DmaMapMessage;
import dev.jvfio.protocol.DmaUnmapMessage;
import dev.jvfio.protocol.Header;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * DMA_MAP and DMA_UNMAP of one session (VU-6): checks a window against the page size and its
 * file, maps the client's fd once with {@link MappedMemory} and keeps it in the session's
 * {@link DmaTable}. Each method returns the reply size in {@code out} or a negative errno.
 */
final class DmaRequests {
    private final DmaTable dma;
    private final ServerOptions options;
    private final MemorySegment out;
    private final DmaMapMessage dmaMap = new DmaMapMessage();
    private final DmaUnmapMessage dmaUnmap = new DmaUnmapMessage();

    DmaRequests(DmaTable dma, ServerOptions options, MemorySegment out) {
        this.dma = dma;
        this.options = options;
        this.out = out;
    }

    /** DMA_MAP; takes the window's fd (if any) out of {@code fds} and closes it once mapped. */
    int map(MemorySegment m, int id, List<Fd> fds) {
        int errno = dmaMap.wrap(m, options.pageSize().bytes());
        if (errno != 0) {
            return -errno;
        }
        if (fds.size() > 1) {
            return -Errno.EINVAL;
        }
        MappedMemory memory = null;
        if (fds.size() == 1) {
            Fd fd = fds.removeFirst();
            try {
                if (!options.pageSize().isAligned(dmaMap.fileOffset())) {
                    return -Errno.EINVAL;
                }
                long fileSize = fd.regularFileSize();
                if (fileSize < 0 || Long.compareUnsigned(dmaMap.fileOffset() + dmaMap.size(), fileSize) > 0) {
                    return -Errno.EINVAL; // mapping past the end of the file would SIGBUS on access
                }
                memory = MappedMemory.map(fd, dmaMap.fileOffset(), dmaMap.size(), dmaMap.writable());
            } catch (NativeException e) {
                return -(e.errno() != 0 ? e.errno() : Errno.EINVAL);
            } finally {
                fd.close(); // the mapping keeps the memory; the descriptor is no longer needed
            }
        }
        errno = dma.map(dmaMap.address(), dmaMap.size(), dmaMap.readable(), dmaMap.writable(), memory);
        if (errno != 0) {
            if (memory != null) {
                memory.close();
            }
            return -errno;
        }
        Header.reply(out, id, Command.DMA_MAP, Header.SIZE);
        return Header.SIZE;
    }

    /** DMA_UNMAP of one window or, with the ALL flag, of every window. */
    int unmap(MemorySegment m, int id) {
        int errno = dmaUnmap.wrap(m);
        if (errno != 0) {
            return -errno;
        }
        if (dmaUnmap.all()) {
            dma.unmapAll();
        } else {
            errno = dma.unmap(dmaUnmap.address(), dmaUnmap.size());
            if (errno != 0) {
                return -errno;
            }
        }
        return DmaUnmapMessage.encodeReply(out, id, dmaUnmap.argsz(), dmaUnmap.flags(), dmaUnmap.address(),
                dmaUnmap.size());
    }
}
