package dev.jvfio.server;

import dev.jvfio.os.PageSize;
import dev.jvfio.protocol.Capabilities;
import dev.jvfio.transport.SocketAccess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * How a {@link VfioUserServer} listens and what it accepts.
 *
 * @param maxDataXferSize largest REGION_READ/WRITE count we accept (announced in VERSION; QEMU
 *                        refuses more than 64 MiB)
 * @param maxMsgFds       fds we accept in one message (announced; QEMU refuses more than 16)
 * @param maxDmaMaps      DMA windows a client may hold at once (announced; QEMU refuses > 65535)
 * @param access          mode and group of the socket file (VU-1.3: the only access control)
 * @param allowedUids     peer uids (SO_PEERCRED) allowed to connect; others are refused and logged
 * @param allowedGids     peers in any of these groups (primary or supplementary, SO_PEERGROUPS)
 *                        are allowed too, whatever their uid
 * @param listener        connect/disconnect/reset/error events
 * @param pageSize        the granule of every mapping: announced as VERSION pgsizes (VU-3.3),
 *                        required of DMA_MAP addresses, sizes and file offsets (VU-6.1), and of the
 *                        sparse areas and file offsets of mmap-able regions
 * @param metrics         what sessions do, counted ({@link ServerMetrics#NONE}: nothing)
 */
public record ServerOptions(
        int maxDataXferSize,
        int maxMsgFds,
        int maxDmaMaps,
        SocketAccess access,
        Set<Integer> allowedUids,
        Set<Integer> allowedGids,
        ServerListener listener,
        PageSize pageSize,
        ServerMetrics metrics) {

    public static final int MAX_MAX_DATA_XFER_SIZE = 64 << 20;
    /** Not a page: a whole PCIe configuration space (4 KiB, PCI spec) must fit one REGION_READ. */
    public static final int MIN_MAX_DATA_XFER_SIZE = 4096;

    public static final int MAX_MAX_MSG_FDS = 16;
    public static final int MAX_MAX_DMA_MAPS = 65535;

    public ServerOptions {
        if (maxDataXferSize < MIN_MAX_DATA_XFER_SIZE || maxDataXferSize > MAX_MAX_DATA_XFER_SIZE) {
            throw new IllegalArgumentException("maxDataXferSize must be in [4096, 64 MiB]: " + maxDataXferSize);
        }
        if (maxMsgFds < 1 || maxMsgFds > MAX_MAX_MSG_FDS) {
            throw new IllegalArgumentException("maxMsgFds must be in [1, 16]: " + maxMsgFds);
        }
        if (maxDmaMaps < 1 || maxDmaMaps > MAX_MAX_DMA_MAPS) {
            throw new IllegalArgumentException("maxDmaMaps must be in [1, 65535]: " + maxDmaMaps);
        }
        allowedUids = Set.copyOf(allowedUids);
        allowedGids = Set.copyOf(allowedGids);
        if (access == null || listener == null || pageSize == null || metrics == null) {
            throw new IllegalArgumentException("access, listener, page size and metrics are required");
        }
    }

    /**
     * 1 MiB transfers, 16 fds, 65535 maps, socket 0600, own uid and root (no group), logging
     * listener, the system's page size, no metrics.
     */
    public static ServerOptions defaults() {
        return new ServerOptions(
                (int) Capabilities.DEFAULT_MAX_DATA_XFER_SIZE,
                MAX_MAX_MSG_FDS,
                MAX_MAX_DMA_MAPS,
                SocketAccess.ownerOnly(),
                Set.copyOf(List.of(ownUid(), 0)),
                Set.of(),
                ServerListener.LOGGING,
                PageSize.system(),
                ServerMetrics.NONE);
    }

    /** The uid of this process. */
    public static int ownUid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public ServerOptions withMaxDataXferSize(int v) {
        return new ServerOptions(
                v, maxMsgFds, maxDmaMaps, access, allowedUids, allowedGids, listener, pageSize, metrics);
    }

    public ServerOptions withMaxMsgFds(int v) {
        return new ServerOptions(
                maxDataXferSize, v, maxDmaMaps, access, allowedUids, allowedGids, listener, pageSize, metrics);
    }

    public ServerOptions withMaxDmaMaps(int v) {
        return new ServerOptions(
                maxDataXferSize, maxMsgFds, v, access, allowedUids, allowedGids, listener, pageSize, metrics);
    }

    public ServerOptions withAccess(SocketAccess v) {
        return new ServerOptions(
                maxDataXferSize, maxMsgFds, maxDmaMaps, v, allowedUids, allowedGids, listener, pageSize, metrics);
    }

    public ServerOptions withAllowedUids(Set<Integer> v) {
        return new ServerOptions(
                maxDataXferSize, maxMsgFds, maxDmaMaps, access, v, allowedGids, listener, pageSize, metrics);
    }

    /** Peers in any of these groups are allowed too. */
    public ServerOptions withAllowedGids(Set<Integer> v) {
        return new ServerOptions(
                maxDataXferSize, maxMsgFds, maxDmaMaps, access, allowedUids, v, listener, pageSize, metrics);
    }

    public ServerOptions withListener(ServerListener v) {
        return new ServerOptions(
                maxDataXferSize, maxMsgFds, maxDmaMaps, access, allowedUids, allowedGids, v, pageSize, metrics);
    }

    /** Another page size (tests of 16 and 64 KiB logic on a 4 KiB machine; must be a multiple of the kernel's to map). */
    public ServerOptions withPageSize(PageSize v) {
        return new ServerOptions(
                maxDataXferSize, maxMsgFds, maxDmaMaps, access, allowedUids, allowedGids, listener, v, metrics);
    }

    /** Counts what sessions do into {@code v}. */
    public ServerOptions withMetrics(ServerMetrics v) {
        return new ServerOptions(
                maxDataXferSize, maxMsgFds, maxDmaMaps, access, allowedUids, allowedGids, listener, pageSize, v);
    }
}
