package dev.jvfio.hardening;

import dev.jvfio.client.VfioUserClient;
import dev.jvfio.device.Vfio;
import dev.jvfio.fuzz.MessageGenerator;
import dev.jvfio.os.EventFd;
import dev.jvfio.os.Fd;
import dev.jvfio.os.Memfd;
import dev.jvfio.protocol.Command;
import dev.jvfio.protocol.Header;
import dev.jvfio.protocol.RegionAccessMessage;
import dev.jvfio.transport.UnixConnection;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * The victim of {@link CrashTest}: a client process that attaches to every socket on its command
 * line, drives each session to a random point (mid-header, mid-payload of a write into the
 * checksummed window, holding DMA maps, holding IRQ eventfds, with replies the server cannot
 * deliver, ...), prints {@code ready <points>} and waits to be killed with SIGKILL. It boots first
 * and waits for {@code go <seed>} on stdin, so the JVM start overlaps the parent's checks.
 */
public final class CrashClient {
    /** BAR4 offset range the parent checksums; complete writes never go there. */
    static final long GUARDED = 1 << 20;
    /** BAR4 range where complete writes may go. */
    static final long SCRATCH = GUARDED;

    static final long SCRATCH_SIZE = 4L << 20;

    private CrashClient() {}

    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String go = in.readLine();
        if (go == null || !go.startsWith("go ")) {
            return;
        }
        Random r = new Random(Long.parseLong(go.substring(3).trim()));
        List<Object> keep = new ArrayList<>(); // everything stays open until the kill
        StringBuilder points = new StringBuilder("ready");
        for (String socket : args) {
            points.append(' ').append(drive(Path.of(socket), r, keep));
        }
        System.out.println(points);
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }

    private static String drive(Path socket, Random r, List<Object> keep) throws Exception {
        int point = r.nextInt(9);
        if (point == 0) {
            // before VERSION is complete: part of its header
            UnixConnection conn = UnixConnection.connect(socket);
            keep.add(conn);
            byte[] v = MessageGenerator.withHeader(0, Command.VERSION, 0, 0, new byte[] {0, 0, 0, 0});
            conn.send(MemorySegment.ofArray(Arrays.copyOf(v, 1 + r.nextInt(Header.SIZE - 1))));
            return "version-header";
        }
        VfioUserClient c = VfioUserClient.connect(socket);
        keep.add(c);
        StringBuilder what = new StringBuilder();
        if (point == 2 || point == 4 || point == 7) {
            Fd memfd = Memfd.create("crash-dma", 1 << 20);
            keep.add(memfd);
            int maps = 1 + r.nextInt(8);
            for (int i = 0; i < maps; i++) {
                c.dmaMap(memfd, (long) i * 65536, (long) (i + 1) << 24, 65536, true, true);
            }
            what.append("dma").append(maps).append('+');
        }
        if (point == 3 || point == 4 || point == 7) {
            int n = Math.min(4, c.irqInfo(Vfio.PCI_MSIX_IRQ_INDEX).count());
            List<Fd> fds = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                EventFd e = EventFd.create();
                keep.add(e);
                fds.add(e.fd());
            }
            c.setIrqEventfds(Vfio.PCI_MSIX_IRQ_INDEX, 0, fds);
            what.append("irq").append(n).append('+');
        }
        if (point == 6) {
            for (int i = 0; i < 8; i++) {
                byte[] data = new byte[8];
                r.nextBytes(data);
                c.writePosted(Vfio.PCI_BAR4_REGION_INDEX, SCRATCH + r.nextInt((int) SCRATCH_SIZE - 8), data);
            }
            what.append("posted+");
        }
        switch (point) {
            case 1, 3 -> {
                byte[] h = MessageGenerator.withHeader(c.nextMessageId(), Command.DEVICE_GET_INFO, 0, 0, new byte[16]);
                c.sendRaw(MemorySegment.ofArray(Arrays.copyOf(h, 1 + r.nextInt(Header.SIZE - 1))), List.of());
                what.append("mid-header");
            }
            case 5 -> {
                // replies of 1 MiB nobody reads: the session blocks in send when we die
                for (int i = 0; i < 4; i++) {
                    byte[] m = new byte[RegionAccessMessage.SIZE];
                    RegionAccessMessage.encodeReadRequest(
                            MemorySegment.ofArray(m), c.nextMessageId(), SCRATCH, Vfio.PCI_BAR4_REGION_INDEX, 1 << 20);
                    c.sendRaw(m);
                }
                what.append("unread-replies");
            }
            case 8 -> what.append("idle");
            default -> {
                // a write into the guarded window, cut off inside its payload: must never land
                int count = 4096 << r.nextInt(5);
                long offset = r.nextInt((int) (GUARDED - count));
                ByteBuffer b =
                        ByteBuffer.allocate(RegionAccessMessage.SIZE + count).order(ByteOrder.LITTLE_ENDIAN);
                b.putShort((short) c.nextMessageId())
                        .putShort((short) Command.REGION_WRITE)
                        .putInt(RegionAccessMessage.SIZE + count)
                        .putInt(0)
                        .putInt(0)
                        .putLong(offset)
                        .putInt(Vfio.PCI_BAR4_REGION_INDEX)
                        .putInt(count);
                while (b.hasRemaining()) {
                    b.put((byte) 0xA5);
                }
                byte[] m = b.array();
                int cut = RegionAccessMessage.SIZE + r.nextInt(count);
                c.sendRaw(MemorySegment.ofArray(Arrays.copyOf(m, cut)), List.of());
                what.append("mid-payload");
            }
        }
        return what.toString();
    }
}
