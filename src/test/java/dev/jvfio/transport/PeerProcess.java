package dev.jvfio.transport;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.jvfio.os.EventFd;
import dev.jvfio.os.Fd;
import dev.jvfio.os.MappedMemory;
import dev.jvfio.os.Memfd;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The other end of {@link CrossProcessTest}, run as a child JVM: connects, sends its pid with a
 * memfd it wrote into, receives an eventfd and signals it, then waits for the parent to hang up.
 */
public final class PeerProcess {
    private PeerProcess() {}

    public static void main(String[] args) throws Exception {
        long pid = ProcessHandle.current().pid();
        try (UnixConnection c = UnixConnection.connect(Path.of(args[0]));
                Fd mem = Memfd.create("child", 4096);
                MappedMemory view = MappedMemory.map(mem, 0, 4096, true);
                Arena arena = Arena.ofConfined()) {
            view.segment().setString(0, "written by " + pid);
            MemorySegment msg = arena.allocate(JAVA_LONG);
            msg.set(JAVA_LONG, 0, pid);
            c.send(msg, List.of(mem));
            List<Fd> got = new ArrayList<>();
            c.receiveFully(arena.allocate(1), got, 1);
            EventFd.signal(got.get(0));
            got.forEach(Fd::close);
            c.receive(arena.allocate(1), null, 0); // until the parent closes
        }
    }
}
