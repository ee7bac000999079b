package dev.jvfio.transport;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.os.EventFd;
import dev.jvfio.os.Fd;
import dev.jvfio.os.FdFlags;
import dev.jvfio.os.MappedMemory;
import dev.jvfio.os.Memfd;
import dev.jvfio.procfs.OpenFiles;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** SCM_RIGHTS: several fds per message, both ways; limits on how many a receiver accepts. */
class FdPassingTest extends ConnectedPairTest {
    private static MemorySegment message(int n) {
        byte[] m = new byte[n];
        for (int i = 0; i < n; i++) {
            m[i] = (byte) i;
        }
        return MemorySegment.ofArray(m);
    }

    /** Sends three eventfds and a memfd from {@code from}; checks the received fds are the same files. */
    private static void passFourFds(UnixConnection from, UnixConnection to) throws Exception {
        try (EventFd e1 = EventFd.create();
                EventFd e2 = EventFd.create();
                EventFd e3 = EventFd.create();
                Fd mem = Memfd.create("passed", 4096);
                MappedMemory senderView = MappedMemory.map(mem, 0, 4096, true)) {
            from.send(message(16), List.of(e1.fd(), e2.fd(), e3.fd(), mem));
            assertThat(e1.fd().isOpen()).as("sender keeps its fds").isTrue();

            List<Fd> got = new ArrayList<>();
            MemorySegment in = MemorySegment.ofArray(new byte[16]);
            to.receiveFully(in, got, 8);
            try {
                assertThat(in.toArray(JAVA_BYTE)).isEqualTo(message(16).toArray(JAVA_BYTE));
                assertThat(got).hasSize(4);
                assertThat(to.fdsDropped()).isZero();
                for (Fd fd : got) {
                    assertThat(FdFlags.isCloseOnExec(fd)).as("MSG_CMSG_CLOEXEC").isTrue();
                }
                // the second received eventfd is e2: a signal through it wakes e2 only
                EventFd.signal(got.get(1));
                assertThat(e2.await(Duration.ofSeconds(30))).isTrue();
                assertThat(e1.await(Duration.ZERO)).isFalse();
                assertThat(e3.await(Duration.ZERO)).isFalse();
                // the memfd: bytes written by the sender show through the receiver's mapping and back
                senderView.segment().set(JAVA_LONG, 128, 0x0123456789ABCDEFL);
                try (MappedMemory receiverView = MappedMemory.map(got.get(3), 0, 4096, true)) {
                    assertThat(receiverView.segment().get(JAVA_LONG, 128)).isEqualTo(0x0123456789ABCDEFL);
                    receiverView.segment().set(JAVA_LONG, 256, 77L);
                }
                assertThat(senderView.segment().get(JAVA_LONG, 256)).isEqualTo(77L);
            } finally {
                got.forEach(Fd::close);
            }
        }
    }

    @Test
    @DisplayName("VU-1.1 several fds ride in one SCM_RIGHTS message, both ways, and are the same files")
    void vu_1_1_severalFdsInOneMessageReferToTheSameFilesBothWays() throws Exception {
        passFourFds(a, b);
        passFourFds(b, a);
    }

    @Test
    void fdsBeyondMaxFdsAreClosedAndCounted() throws Exception {
        List<Fd> sent = new ArrayList<>();
        try {
            for (int i = 0; i < 5; i++) {
                sent.add(Memfd.create("extra" + i, 0));
            }
            OpenFiles.count();
            int baseline = OpenFiles.count();
            a.send(message(4), sent);
            List<Fd> got = new ArrayList<>();
            int n = b.receive(MemorySegment.ofArray(new byte[4]), got, 2);
            assertThat(n).isEqualTo(4);
            assertThat(got).hasSize(2);
            assertThat(b.fdsDropped()).isEqualTo(3);
            assertThat(OpenFiles.count()).isEqualTo(baseline + 2);
            got.forEach(Fd::close);
            assertThat(OpenFiles.count()).isEqualTo(baseline);

            // maxFds 0: every fd is dropped; the next fd-less receive reports none dropped
            a.send(message(4), sent);
            assertThat(b.receive(MemorySegment.ofArray(new byte[4]), null, 0)).isEqualTo(4);
            assertThat(b.fdsDropped()).isEqualTo(5);
            assertThat(OpenFiles.count()).isEqualTo(baseline);
            a.send(message(4));
            b.receive(MemorySegment.ofArray(new byte[4]), got, 2);
            assertThat(b.fdsDropped()).isZero();
        } finally {
            sent.forEach(Fd::close);
        }
    }

    @Test
    void theMostFdsTheKernelAllowsFitOneMessage() throws Exception {
        try (Fd mem = Memfd.create("many", 0)) {
            List<Fd> many = new ArrayList<>();
            for (int i = 0; i < 253; i++) {
                many.add(mem);
            }
            OpenFiles.count();
            int baseline = OpenFiles.count();
            a.send(message(1), many);
            List<Fd> got = new ArrayList<>();
            b.receive(MemorySegment.ofArray(new byte[1]), got, 253);
            assertThat(got).hasSize(253);
            assertThat(b.fdsDropped()).isZero();
            got.forEach(Fd::close);
            assertThat(OpenFiles.count()).isEqualTo(baseline);
        }
    }

    @Test
    @DisplayName("VU-1.1 fds ride with the message that needs them, not with the next one")
    void vu_1_1_fdsRideWithTheFirstBytesOfTheirMessageOnly() throws Exception {
        try (EventFd e = EventFd.create()) {
            a.send(message(100), List.of(e.fd()));
            a.send(message(100));
            List<Fd> got = new ArrayList<>();
            b.receiveFully(MemorySegment.ofArray(new byte[100]), got, 4);
            assertThat(got).hasSize(1);
            b.receiveFully(MemorySegment.ofArray(new byte[100]), got, 4);
            assertThat(got).as("the second message carried no fd").hasSize(1);
            got.forEach(Fd::close);
        }
    }
}
