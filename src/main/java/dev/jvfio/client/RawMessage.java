package dev.jvfio.client;

import dev.jvfio.os.Fd;
import java.util.List;

/**
 * One message as received, for tests that speak the protocol by hand: the header fields, the
 * payload after the header, and the fds that came with it (owned by the receiver).
 */
public record RawMessage(int id, int command, long size, int flags, int error, byte[] payload, List<Fd> fds) {
    public boolean isReply() {
        return (flags & 0xF) == 1;
    }

    public boolean isError() {
        return (flags & 0x20) != 0;
    }
}
