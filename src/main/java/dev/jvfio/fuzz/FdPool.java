package dev.jvfio.fuzz;

import dev.jvfio.os.EventFd;
import dev.jvfio.os.Fd;
import dev.jvfio.os.Memfd;
import dev.jvfio.os.NativeException;
import dev.jvfio.protocol.Command;
import dev.jvfio.protocol.Wire;
import dev.jvfio.transport.UnixConnection;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The fds the fuzzer attaches to its messages (VU-2.4, VU-4.x): eventfds for SET_IRQS, memfds for
 * DMA_MAP, a socket and the rest on any command, sometimes more than max_msg_fds. Owns them all.
 */
final class FdPool implements AutoCloseable {
    private final List<Fd> eventfds = new ArrayList<>();
    private final List<Fd> memfds = new ArrayList<>();
    private final List<Fd> others = new ArrayList<>();
    private final List<AutoCloseable> owned = new ArrayList<>();

    /** One eventfd of the pool. */
    Fd eventfd() {
        return eventfds.get(0);
    }

    /** fds to attach: mostly what the command expects, sometimes too many or on any command. */
    List<Fd> fdsFor(Random r, byte[] m) {
        int command = Wire.u16(MemorySegment.ofArray(m), 2);
        int n;
        List<Fd> kind;
        if (command == Command.DMA_MAP) {
            n = r.nextInt(8) == 0 ? r.nextInt(3) : 1;
            kind = memfds;
        } else if (command == Command.DEVICE_SET_IRQS) {
            n = m.length >= 36 && r.nextInt(3) != 0
                    ? Math.min(20, Math.max(0, Wire.u32(MemorySegment.ofArray(m), 32)))
                    : r.nextInt(4);
            kind = eventfds;
        } else {
            n = r.nextInt(20) == 0 ? 1 + r.nextInt(3) : 0;
            kind = others;
        }
        if (r.nextInt(30) == 0) {
            n = 17 + r.nextInt(8); // beyond max_msg_fds: all of them must be closed
        }
        if (n == 0 || m.length == 0) {
            return List.of();
        }
        List<Fd> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(kind.get(r.nextInt(kind.size())));
        }
        return out;
    }

    void open() throws IOException {
        try {
            for (int i = 0; i < 4; i++) {
                EventFd e = EventFd.create();
                owned.add(e);
                eventfds.add(e.fd());
            }
            for (int i = 0; i < 2; i++) {
                Fd m = Memfd.create("jvfio-fuzz-dma", 1 << 17);
                owned.add(m);
                memfds.add(m);
            }
            UnixConnection[] pair = UnixConnection.pair();
            owned.add(pair[0]);
            owned.add(pair[1]);
            others.add(pair[0].fd());
            others.addAll(eventfds);
            others.addAll(memfds);
        } catch (NativeException e) {
            close();
            throw e;
        }
    }

    @Override
    public void close() {
        for (AutoCloseable c : owned) {
            try {
                c.close();
            } catch (Exception ignored) {
                // best effort
            }
        }
        owned.clear();
    }
}
