package dev.jvfio.server;

import dev.jvfio.client.RawMessage;
import dev.jvfio.client.VfioUserClient;
import dev.jvfio.client.VfioUserException;
import dev.jvfio.device.DeviceInfo;
import dev.jvfio.device.Errno;
import dev.jvfio.device.RegionInfo;
import dev.jvfio.device.Vfio;
import dev.jvfio.os.EventFd;
import dev.jvfio.os.Fd;
import dev.jvfio.os.MappedMemory;
import dev.jvfio.os.Memfd;
import dev.jvfio.protocol.Command;
import dev.jvfio.protocol.Header;
import dev.jvfio.protocol.RegionIoFdsMessage;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * The client side of {@link ChildProcessClientTest}, run in its own JVM:
 * {@code ClientDriver <socket> ram|sample}. Prints "PASS step" per step and exits 0, or prints
 * the failure and exits 1.
 */
public final class ClientDriver {
    public static final byte[] MARKER = "child-was-here".getBytes(StandardCharsets.US_ASCII);

    private ClientDriver() {}

    public static void main(String[] args) {
        try (VfioUserClient c = VfioUserClient.connect(Path.of(args[0]))) {
            pass("VU-3 version negotiated, minor " + c.serverMinor());
            if (args[1].equals("ram")) {
                ram(c);
            } else {
                sample(c);
            }
            System.out.println("DONE");
            System.out.flush();
            System.exit(0);
        } catch (Throwable t) {
            t.printStackTrace(System.out);
            System.out.flush();
            System.exit(1);
        }
    }

    private static void pass(String step) {
        System.out.println("PASS " + step);
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }

    private static byte[] le64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    private static int le32(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }

    private static void common(VfioUserClient c, int regions) throws Exception {
        DeviceInfo info = c.deviceInfo();
        check(info.numRegions() == regions && (info.flags() & Vfio.DEVICE_FLAGS_PCI) != 0, "device info " + info);
        for (int i = 0; i < info.numRegions(); i++) {
            c.regionInfo(i);
        }
        for (int i = 0; i < info.numIrqs(); i++) {
            check(c.irqInfo(i).index() == i, "irq info " + i);
        }
        pass("VU-4.1 VU-4.2 VU-4.4 device, region and irq info");
        // GET_REGION_IO_FDS by hand: the server offers none
        byte[] m = new byte[RegionIoFdsMessage.SIZE];
        RegionIoFdsMessage.encodeRequest(MemorySegment.ofArray(m), 4242, 0);
        c.sendRaw(m);
        RawMessage r = c.receiveRaw();
        check(
                r.id() == 4242
                        && !r.isError()
                        && RegionIoFdsMessage.replyCount(MemorySegment.ofArray(Arrays.copyOf(header(r), 32))) == 0,
                "GET_REGION_IO_FDS");
        pass("VU-4.6 GET_REGION_IO_FDS answers with no sub-regions");
        byte[] feature = new byte[16];
        Header.request(MemorySegment.ofArray(feature), 4243, Command.DEVICE_FEATURE, 16, false);
        c.sendRaw(feature);
        r = c.receiveRaw();
        check(r.isError() && r.error() == Errno.EINVAL, "DEVICE_FEATURE without argsz and flags -> EINVAL");
        pass("VU-10.1 a DEVICE_FEATURE without its fields is EINVAL");
    }

    private static byte[] header(RawMessage r) {
        byte[] all = new byte[16 + r.payload().length];
        Header.reply(MemorySegment.ofArray(all), r.id(), r.command(), (int) r.size());
        System.arraycopy(r.payload(), 0, all, 16, r.payload().length);
        return all;
    }

    private static void ram(VfioUserClient c) throws Exception {
        common(c, 10);
        RegionInfo bar0 = c.regionInfo(0);
        check(bar0.file() != null && !bar0.sparseAreas().isEmpty(), "BAR0 fd and sparse cap");
        try (MappedMemory map = VfioUserClient.mapRegion(bar0, 4096, 4096, true)) {
            c.write(0, 4096 + 8, new byte[] {11, 22, 33});
            check(map.segment().get(ValueLayout.JAVA_BYTE, 9) == 22, "REGION_WRITE visible in the mapping");
            map.segment().set(ValueLayout.JAVA_BYTE, 200, (byte) 77);
            check(c.read(0, 4096 + 200, 1)[0] == 77, "mapped write visible to REGION_READ");
        }
        pass("VU-4.2 VU-5.1 server fd received, mapped, coherent both ways");

        try (Fd guest = Memfd.create("child-guest", 1 << 20);
                MappedMemory g = MappedMemory.map(guest, 0, 1 << 20, true);
                EventFd intx = EventFd.create()) {
            c.dmaMap(guest, 0, 0x4000_0000L, 1 << 20, true, true);
            for (int i = 0; i < 64; i++) {
                g.segment().set(ValueLayout.JAVA_BYTE, 0x100 + i, (byte) (i + 1));
            }
            c.setIrqEventfds(Vfio.PCI_INTX_IRQ_INDEX, 0, List.of(intx.fd()));
            c.write(1, 8, le64(0x4000_0100L));
            c.write(1, 0, new byte[] {1});
            check(le32(c.read(1, 4, 4)) == 0, "doorbell DMA status");
            check(g.segment().get(ValueLayout.JAVA_BYTE, 0x140 + 63) == 64, "device wrote through our memfd");
            check(intx.await(Duration.ofSeconds(20)), "INTx eventfd signalled by the server");
            pass("VU-6.1 VU-4.5 client memfd and eventfd passed; device DMA and interrupt seen");
            c.setIrqsNone(Vfio.PCI_INTX_IRQ_INDEX, Vfio.IRQ_SET_ACTION_UNMASK, 0, 1);
            c.disableIrqs(Vfio.PCI_INTX_IRQ_INDEX);
            c.dmaUnmap(0x4000_0000L, 1 << 20);
            pass("VU-6.2 unmapped, IRQs disabled");
        }
        c.writePosted(1, 0x300, new byte[] {5});
        c.writeMultiple(List.of(new VfioUserClient.SmallWrite(1, 0x308, new byte[] {6, 7})));
        check(c.read(1, 0x300, 1)[0] == 5 && c.read(1, 0x309, 1)[0] == 7, "posted writes applied");
        pass("VU-8.8 posted REGION_WRITE and REGION_WRITE_MULTI");
        c.reset();
        check(c.read(1, 0x300, 1)[0] == 0, "reset cleared BAR1");
        pass("VU-7.1 DEVICE_RESET");
        try {
            c.read(1, 4096, 4);
            throw new AssertionError("out-of-range read succeeded");
        } catch (VfioUserException e) {
            check(e.errno() == Errno.EINVAL, "EINVAL");
        }
        c.write(0, 0, MARKER);
        pass("VU-2.2 errors surface with errno; marker written");
    }

    private static void sample(VfioUserClient c) throws Exception {
        DeviceInfo info = c.deviceInfo();
        common(c, info.numRegions());
        c.write(Vfio.PCI_CONFIG_REGION_INDEX, 4, new byte[] {0x06, 0}); // memory space + bus master
        RegionInfo bar0 = c.regionInfo(0);
        check(bar0.file() != null, "sample BAR0 fd");
        check(le32(c.read(0, 0x2008, 4)) == 0x504D_4153, "sample ID register");
        try (MappedMemory map = VfioUserClient.mapRegion(bar0, 0, 0x2000, true)) {
            c.write(0, 0x10, new byte[] {1, 2, 3});
            check(map.segment().get(ValueLayout.JAVA_BYTE, 0x11) == 2, "sample RAM write visible in mapping");
            map.segment().set(ValueLayout.JAVA_BYTE, 0x40, (byte) 99);
            check(c.read(0, 0x40, 1)[0] == 99, "mapped write visible to REGION_READ");
        }
        pass("VU-5.1 sample device: mapped BAR0 RAM coherent with REGION_READ/WRITE");
        try (EventFd intx = EventFd.create()) {
            c.setIrqEventfds(Vfio.PCI_INTX_IRQ_INDEX, 0, List.of(intx.fd()));
            c.write(0, 0x2000, new byte[] {0, 0, 0, 0});
            check(intx.await(Duration.ofSeconds(20)), "sample INTx eventfd signalled");
            c.write(0, 0x2004, new byte[] {1, 0, 0, 0});
            pass("VU-4.5 sample device raised INTx through our eventfd");
        }
        c.write(0, 0x200C, new byte[] {1, 2, 3, 4});
        c.reset();
        try {
            c.read(0, 0x200C, 4);
            throw new AssertionError("BAR access allowed after reset cleared the command register");
        } catch (VfioUserException e) {
            check(e.errno() == Errno.EIO, "EIO while memory decode is off");
        }
        c.write(Vfio.PCI_CONFIG_REGION_INDEX, 4, new byte[] {0x06, 0});
        check(le32(c.read(0, 0x200C, 4)) == 0, "reset cleared SCRATCH");
        pass("VU-7.1 sample device reset");
        c.write(0, 0, MARKER);
    }
}
