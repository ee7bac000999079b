package dev.jvfio.server;

import dev.jvfio.device.Errno;
import dev.jvfio.protocol.Capabilities;
import dev.jvfio.protocol.Command;
import dev.jvfio.protocol.Header;
import dev.jvfio.protocol.VersionMessage;
import java.lang.foreign.MemorySegment;
import java.time.Duration;

/**
 * The VERSION exchange that opens a session (VU-3): checks the client's proposal, agrees the
 * limits this session enforces ({@link #dmaMaps()}, and {@link #messageChunk()} for message DMA)
 * and writes our answer. A peer that never completes it is hung up on after {@link #TIMEOUT}.
 */
final class VersionNegotiation {
    /** How long a connected peer has to complete VERSION before we hang up (one client at a time). */
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final ServerOptions options;
    private final ServerListener listener;
    private final int windowCap;
    private final MemorySegment out;
    private final VersionMessage version = new VersionMessage();
    private int dmaMaps;
    private long messageChunk;

    /** {@code windowCap}: the most DMA windows the session lets this client hold. */
    VersionNegotiation(ServerOptions options, int windowCap, MemorySegment out) {
        this.options = options;
        this.listener = options.listener();
        this.windowCap = windowCap;
        this.out = out;
    }

    /** The max_dma_maps our answer announced: the session holds the client to it. */
    int dmaMaps() {
        return dmaMaps;
    }

    /** The largest DMA_READ/WRITE we may send: both sides' max_data_xfer_size. */
    long messageChunk() {
        return messageChunk;
    }

    /**
     * Answers the first message {@code m}. Returns the size of our VERSION reply in {@code out}
     * (the session sends it and serves), a negative errno (the session sends that error and hangs
     * up) or 0 (hang up without an answer: the message was a reply, VU-2.3).
     */
    int answer(MemorySegment m, boolean withFds) {
        int command = Header.command(m);
        if (command != Command.VERSION || Header.type(m) != Header.TYPE_COMMAND) {
            listener.error(Command.name(command) + " before VERSION; hanging up");
            // never answer a reply (VU-2.3)
            return Header.type(m) != Header.TYPE_REPLY ? -Errno.EINVAL : 0;
        }
        if (withFds) {
            listener.error("fds with VERSION; hanging up");
            return -Errno.EINVAL;
        }
        int errno = version.wrap(m);
        if (errno != 0) {
            listener.error("bad VERSION: " + version.problem());
            return -errno;
        }
        if (version.major() != VersionMessage.MAJOR) {
            listener.error("client proposes major " + version.major());
            return -Errno.ENOTSUP;
        }
        Capabilities theirs = version.capabilities();
        // VU-3.2/VU-3.3: announce the window cap this session will enforce (the configured
        // max_dma_maps, held to this client's share of the process's mapping budget), and no more
        // than the client proposed; the session holds the client to exactly that.
        long maps = Math.max(0, Math.min(windowCap, theirs.maxDmaMaps()));
        dmaMaps = (int) maps;
        messageChunk = Math.min(theirs.maxDataXferSize(), options.maxDataXferSize());
        // pgsizes (VU-3.3): we announce our page size alone, even where the client proposed
        // smaller pages. The spec wants the reply's capabilities to be a subset of the proposal,
        // but QEMU 10.2 and 11.1 always propose 4096 (VU-8.1), so on a 16 or 64 KiB host no
        // subset exists; and QEMU's proxy.c (check_pgsizes) accepts any server pgsizes without
        // bits below 4 KiB and makes it the container's IOMMU page mask, so it then maps guest
        // RAM at our granule. QEMU wins where it and the spec disagree. DMA_MAP enforces it.
        Capabilities ours = new Capabilities(
                options.maxMsgFds(),
                options.maxDataXferSize(),
                maps,
                options.pageSize().bytes(),
                theirs.writeMultiple(),
                false);
        return VersionMessage.encode(
                out, Header.id(m), true, VersionMessage.MAJOR, Math.min(version.minor(), VersionMessage.MINOR), ours);
    }
}
