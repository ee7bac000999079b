package com.example.outside;

import dev.jvfio.client.VfioUserClient;
import dev.jvfio.device.Vfio;
import dev.jvfio.pci.BarBacking;
import dev.jvfio.pci.Capability;
import dev.jvfio.pci.PciBar;
import dev.jvfio.pci.PciHeader;
import dev.jvfio.pci.VfioPciDevice;
import dev.jvfio.server.ServerOptions;
import dev.jvfio.server.VfioUserServer;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * Builds a one-register device, serves it on the socket path given as the first argument, drives it
 * with jvfio's client and prints "outside project: ok" when the register reads back what was written.
 */
public final class Main {
    private Main() {
    }

    /** BAR0: one 32-bit register at offset 0 that reads back twice the value written. */
    static final class Doubler implements BarBacking {
        private int value; // guarded by this

        @Override
        public synchronized int read(long offset, MemorySegment dst) {
            dst.fill((byte) 0);
            if (offset == 0 && dst.byteSize() == 4) {
                dst.set(ValueLayout.JAVA_INT_UNALIGNED, 0, 2 * value);
            }
            return (int) dst.byteSize();
        }

        @Override
        public synchronized int write(long offset, MemorySegment src) {
            if (offset == 0 && src.byteSize() == 4) {
                value = src.get(ValueLayout.JAVA_INT_UNALIGNED, 0);
            }
            return (int) src.byteSize();
        }
    }

    public static void main(String[] args) throws Exception {
        Path socket = Path.of(args[0]);
        try (VfioPciDevice device = VfioPciDevice.builder("doubler")
                     .ids(0x1234, 0x5a34).classCode(0xff0000)
                     .bar(PciBar.mem32(0, 4096, new Doubler()))
                     .capability(Capability.PciExpress.endpoint())
                     .build();
             VfioUserServer server = VfioUserServer.start(socket, device, ServerOptions.defaults());
             VfioUserClient client = VfioUserClient.connect(socket)) {
            client.write(Vfio.PCI_CONFIG_REGION_INDEX, PciHeader.COMMAND, new byte[] {PciHeader.COMMAND_MEMORY, 0});
            client.write(0, 0, le32(21));
            int back = ByteBuffer.wrap(client.read(0, 0, 4)).order(ByteOrder.LITTLE_ENDIAN).getInt();
            if (back != 42) {
                throw new AssertionError("register read back " + back + ", not 42");
            }
            System.out.println("outside project: ok");
        }
    }

    private static byte[] le32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }
}
