package dev.jvfio.trace;

import dev.jvfio.protocol.Command;
import dev.jvfio.protocol.DmaMapMessage;
import dev.jvfio.protocol.DmaTransferMessage;
import dev.jvfio.protocol.DmaUnmapMessage;
import dev.jvfio.protocol.Header;

/**
 * DMA_MAP, DMA_UNMAP (VU-6.1, VU-6.2) and the server's DMA_READ/DMA_WRITE (VU-8.4): address,
 * size, file offset, protection and what the unmap flags ask for.
 */
final class DmaFields {
    /**
     * The decoder checks DMA_MAP's window without an alignment: the page size is what the server
     * announced, a policy of that server, not a property of the message.
     */
    private static final long ANY_ALIGNMENT = 1;

    /** Where the specification's DMA_READ/WRITE fields end: header, u64 address, u64 count. */
    private static final int SPEC_FIELDS_END = Header.SIZE + 16;

    private DmaFields() {}

    static void decode(Decoding d, int command) {
        switch (command) {
            case Command.DMA_MAP -> map(d);
            case Command.DMA_UNMAP -> unmap(d);
            case Command.DMA_READ -> transfer(d, true);
            default -> transfer(d, false);
        }
    }

    private static void map(Decoding d) {
        if (d.reply) {
            return; // a bare header
        }
        if (d.shorterThan(DmaMapMessage.SIZE, "DMA_MAP")) {
            return;
        }
        DmaMapMessage m = new DmaMapMessage();
        int errno = m.wrap(d.msg, ANY_ALIGNMENT);
        d.hex("addr", m.address());
        d.hex("size", m.size());
        d.hex("offset", m.fileOffset());
        d.text("prot", (m.readable() ? "r" : "-") + (m.writable() ? "w" : "-"));
        if ((m.flags() & ~(DmaMapMessage.FLAG_READ | DmaMapMessage.FLAG_WRITE)) != 0) {
            d.text("flags", "0x" + Integer.toHexString(m.flags()));
        }
        if (d.nfds > 1) {
            d.problem("DMA_MAP with " + d.nfds + " fds (one at most)");
        }
        d.verdict(errno, "DMA_MAP rejected");
    }

    private static void unmap(Decoding d) {
        if (d.reply && d.size() == Header.SIZE) {
            return; // a bare header: some servers do not echo the struct
        }
        if (d.shorterThan(DmaUnmapMessage.SIZE, "DMA_UNMAP")) {
            return;
        }
        DmaUnmapMessage m = new DmaUnmapMessage();
        int errno = m.wrap(d.msg);
        if (m.flags() != 0) {
            d.text("flags", Field.bits(m.flags(), "GET_DIRTY_BITMAP", "ALL"));
        }
        d.hex("addr", m.address());
        d.hex("size", m.size());
        d.verdict(errno, "DMA_UNMAP rejected");
    }

    /**
     * DMA_READ/DMA_WRITE: {@code u64 address} and a count, the data after them. Two layouts are in
     * use and both are accepted: QEMU's {@code u32 count} with the data at payload offset 12 (what
     * jvfio sends, VU-8.4) and the specification's {@code u64 count} with the data at 16 (what
     * libvfio-user sends, and the size QEMU gives its DMA_READ reply).
     */
    private static void transfer(Decoding d, boolean read) {
        String name = read ? "DMA_READ" : "DMA_WRITE";
        if (d.reply && d.size() == Header.SIZE) {
            return; // QEMU answers DMA_WRITE with a bare header
        }
        if (d.shorterThan(DmaTransferMessage.SIZE, name)) {
            return;
        }
        long count = DmaTransferMessage.count(d.msg);
        d.hex("addr", DmaTransferMessage.address(d.msg));
        d.dec("count", count);
        boolean carriesData = read == d.reply; // a read's reply, a write's request
        long data = carriesData ? count : 0;
        long qemu = DmaTransferMessage.SIZE + data;
        long spec = SPEC_FIELDS_END + data;
        if (d.size() == qemu) {
            d.data(DmaTransferMessage.DATA, data);
        } else if (d.size() != spec) {
            d.problem(name + (d.reply ? " reply" : "") + " of " + d.size() + " bytes; count " + count + " makes it "
                    + qemu + " (u32 count) or " + spec + " (u64 count)");
        }
    }
}
