package dev.jvfio.server;

import dev.jvfio.device.Errno;
import dev.jvfio.device.VfioDevice;
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
 * file, charges it to the client's share of the process's {@link MappingBudget}, maps the client's
 * fd once with {@link MappedMemory} and keeps the window in the session's {@link DmaTable}.
 *
 * <p>The device hears of every window as libvfio-user's DMA callbacks tell theirs: once it is
 * mapped ({@link VfioDevice#dmaMapped}), and before it goes away
 * ({@link VfioDevice#dmaUnmapping}), be it by DMA_UNMAP, DMA_UNMAP with the ALL flag, or the
 * client leaving. Each request fills the session's {@link Reply}.
 */
final class DmaRequests {
    private final DmaTable table;
    private final MappingBudget.Share share;
    private final VfioDevice device;
    private final ServerOptions options;
    private final MemorySegment out;
    private final Reply reply;
    private final DmaMapMessage dmaMap = new DmaMapMessage();
    private final DmaUnmapMessage dmaUnmap = new DmaUnmapMessage();

    DmaRequests(
            DmaTable table,
            MappingBudget.Share share,
            VfioDevice device,
            ServerOptions options,
            MemorySegment out,
            Reply reply) {
        this.table = table;
        this.share = share;
        this.device = device;
        this.options = options;
        this.out = out;
        this.reply = reply;
    }

    /** DMA_MAP; takes the window's fd (if any) out of {@code fds} and closes it once mapped. */
    Reply map(MemorySegment m, int id, List<Fd> fds) {
        int errno = dmaMap.wrap(m, options.pageSize().bytes());
        if (errno != 0) {
            return reply.error(errno);
        }
        if (fds.size() > 1) {
            return reply.error(Errno.EINVAL);
        }
        MappedMemory memory = null;
        if (fds.size() == 1) {
            Fd fd = fds.removeFirst();
            boolean charged = false;
            try {
                errno = checkFile(fd);
                if (errno == 0) {
                    errno = table.admits(dmaMap.address(), dmaMap.size());
                }
                if (errno == 0) {
                    errno = share.take(dmaMap.size()); // before mmap: a refused window takes no address space
                    charged = errno == 0;
                }
                if (errno != 0) {
                    return reply.error(errno);
                }
                memory = MappedMemory.map(fd, dmaMap.fileOffset(), dmaMap.size(), dmaMap.writable());
            } catch (NativeException e) {
                if (charged) {
                    share.giveBack(dmaMap.size());
                }
                return reply.error(e.errno() != 0 ? e.errno() : Errno.EINVAL);
            } finally {
                fd.close(); // the mapping keeps the memory; the descriptor is no longer needed
            }
        }
        DmaWindow w = new DmaWindow(dmaMap.address(), dmaMap.size(), dmaMap.readable(), dmaMap.writable(), memory);
        errno = table.add(w);
        if (errno != 0) {
            release(w);
            return reply.error(errno);
        }
        tell(w, true);
        Header.reply(out, id, Command.DMA_MAP, Header.SIZE);
        return reply.sized(Header.SIZE);
    }

    /** 0 if the window fits in {@code fd}'s file at a page-aligned offset, else EINVAL. */
    private int checkFile(Fd fd) throws NativeException {
        if (!options.pageSize().isAligned(dmaMap.fileOffset())) {
            return Errno.EINVAL;
        }
        long fileSize = fd.regularFileSize();
        if (fileSize < 0 || Long.compareUnsigned(dmaMap.fileOffset() + dmaMap.size(), fileSize) > 0) {
            return Errno.EINVAL; // mapping past the end of the file would SIGBUS on access
        }
        return 0;
    }

    /** DMA_UNMAP of one window or, with the ALL flag, of every window. */
    Reply unmap(MemorySegment m, int id) {
        int errno = dmaUnmap.wrap(m);
        if (errno != 0) {
            return reply.error(errno);
        }
        if (dmaUnmap.all()) {
            unmapAll(false);
        } else {
            DmaWindow w = table.exactly(dmaUnmap.address(), dmaUnmap.size());
            if (w == null) {
                return reply.error(Errno.EINVAL);
            }
            tell(w, false);
            table.remove(w);
            release(w);
        }
        return reply.sized(DmaUnmapMessage.encodeReply(
                out, id, dmaUnmap.argsz(), dmaUnmap.flags(), dmaUnmap.address(), dmaUnmap.size()));
    }

    /**
     * Unmaps every window, telling the device of each first; with {@code close} (the client went
     * away, VU-1.4) the table then refuses every later map and access.
     */
    void unmapAll(boolean close) {
        for (DmaWindow w : table.all()) {
            tell(w, false);
        }
        for (DmaWindow w : table.removeAll(close)) {
            release(w);
        }
    }

    /**
     * Tells the device that {@code w} is mapped, or about to be unmapped. What a device throws is
     * logged and changes nothing: windows are the client's to map and unmap, a device cannot
     * refuse either.
     */
    private void tell(DmaWindow w, boolean mapped) {
        if (mapped) {
            options.metrics().dmaMapped(w.size());
        } else {
            options.metrics().dmaUnmapped(w.size());
        }
        try {
            if (mapped) {
                device.dmaMapped(w.iova(), w.size(), w.readable(), w.writable());
            } else {
                device.dmaUnmapping(w.iova(), w.size());
            }
        } catch (RuntimeException e) {
            options.listener()
                    .error((mapped ? "device.dmaMapped" : "device.dmaUnmapping") + " at 0x" + Long.toHexString(w.iova())
                            + " failed: " + e);
        }
    }

    /** Unmaps a window's memory, no longer in the table, and gives it back to the budget. */
    private void release(DmaWindow w) {
        if (w.memory() != null) {
            w.memory().close();
            share.giveBack(w.size());
        }
    }
}
