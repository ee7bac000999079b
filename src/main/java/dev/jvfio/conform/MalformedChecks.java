package dev.jvfio.conform;

import dev.jvfio.client.RawMessage;
import dev.jvfio.protocol.Command;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Malformed requests get error replies (VU-2.2, VU-2.4, VU-4.x; vfio-user.rst "Header", "Message
 * sizes", "Commands"): payloads shorter than their structure, argsz below the fixed reply, commands
 * the specification does not define (or that only the server sends), region and IRQ indexes beyond
 * what DEVICE_GET_INFO announced; and a header whose size is below the header's own.
 */
final class MalformedChecks {
    private MalformedChecks() {}

    static List<Check> checks() {
        return List.of(
                new Check(
                        "VU-2.1/short-payloads-refused",
                        "vfio-user.rst: Header (Message size), per-command Request tables",
                        "requests cut short of their structure get an error reply, and the session goes on",
                        MalformedChecks::shortPayloads),
                new Check(
                        "VU-2.1/header-size-below-header",
                        "vfio-user.rst: Header (Message size)",
                        "a header whose size is below 16 bytes is refused or hung up on; the server still takes clients",
                        MalformedChecks::tinyHeader),
                new Check(
                        "VU-4.2/argsz-too-small-refused",
                        "vfio-user.rst: Message sizes",
                        "argsz below the fixed reply (or below the request's own structure) is refused",
                        MalformedChecks::badArgsz),
                new Check(
                        "VU-2.4/unknown-commands-refused",
                        "vfio-user.rst: Commands",
                        "commands the specification does not define, and server-to-client DMA_READ/WRITE, are refused",
                        MalformedChecks::unknownCommands),
                new Check(
                        "VU-4.2/region-index-out-of-range",
                        "vfio-user.rst: VFIO_USER_DEVICE_GET_REGION_INFO, " + "VFIO_USER_REGION_READ",
                        "region indexes from num_regions on are refused by every region command",
                        MalformedChecks::regionIndex),
                new Check(
                        "VU-4.4/irq-index-out-of-range",
                        "vfio-user.rst: VFIO_USER_DEVICE_GET_IRQ_INFO, " + "VFIO_USER_DEVICE_SET_IRQS",
                        "IRQ indexes from num_irqs on are refused",
                        MalformedChecks::irqIndex));
    }

    private static String shortPayloads(Context c) throws IOException {
        Refusals r = new Refusals(c.session());
        r.truncated(Command.DEVICE_GET_INFO, Requests.deviceInfo(), 0, "DEVICE_GET_INFO")
                .truncated(Command.DEVICE_GET_REGION_INFO, Requests.regionInfo(0, 32), 8, "DEVICE_GET_REGION_INFO")
                .truncated(Command.DEVICE_GET_REGION_IO_FDS, Requests.ioFds(0, 16), 8, "DEVICE_GET_REGION_IO_FDS")
                .truncated(Command.DEVICE_GET_IRQ_INFO, Requests.irqInfo(0), 8, "DEVICE_GET_IRQ_INFO")
                .truncated(
                        Command.DEVICE_SET_IRQS,
                        Requests.setIrqs(Spec.IRQ_DATA_NONE | Spec.IRQ_ACTION_TRIGGER, 0, 0, 0, new byte[0]),
                        12,
                        "DEVICE_SET_IRQS")
                .truncated(Command.REGION_READ, Requests.read(0, Spec.PCI_CONFIG_REGION, 4), 12, "REGION_READ")
                .truncated(
                        Command.REGION_WRITE,
                        Requests.write(0, Spec.PCI_CONFIG_REGION, new byte[0]),
                        12,
                        "REGION_WRITE")
                .truncated(Command.DMA_MAP, Requests.dmaMap(Spec.DMA_READ, 0, 1L << 40, 4096), 24, "DMA_MAP")
                .truncated(Command.DMA_UNMAP, Requests.dmaUnmap(0, 1L << 40, 4096), 16, "DMA_UNMAP");
        return r.summary();
    }

    private static String tinyHeader(Context c) throws IOException {
        Conversation s = c.session();
        int id = s.nextId();
        byte[] m = Le.payload()
                .u16(id)
                .u16(Command.DEVICE_GET_INFO)
                .u32(8)
                .u32(0)
                .u32(0)
                .toBytes();
        s.sendBytes(m, List.of());
        List<RawMessage> sent = new ArrayList<>();
        String how;
        if (s.hangsUp(c.settings().timeout(), sent)) {
            how = "hung up";
        } else {
            Verdict.require(
                    !sent.isEmpty(),
                    "no answer within " + Report.seconds(c.settings().timeout()) + " to a header whose size is 8");
            how = "refused with "
                    + Expect.errnoName(Expect.refused(
                            new Conversation.Exchange(id, Command.DEVICE_GET_INFO, sent.getFirst()),
                            "a header whose size is 8"));
        }
        s.close();
        // the server survived: a new client negotiates and is served
        Conversation next = c.session();
        Expect.success(next.call(Command.DEVICE_GET_INFO, Requests.deviceInfo()), 16, "vfio_device_info");
        return how + "; the next client is served";
    }

    private static String badArgsz(Context c) throws IOException {
        Refusals r = new Refusals(c.session());
        r.expect(
                        Command.DEVICE_GET_INFO,
                        Le.payload().u32(8).u32(0).u32(0).u32(0).toBytes(),
                        "DEVICE_GET_INFO with argsz 8")
                .expect(
                        Command.DEVICE_GET_REGION_INFO,
                        Requests.regionInfo(0, 16),
                        "DEVICE_GET_REGION_INFO with argsz 16")
                .expect(
                        Command.DEVICE_GET_IRQ_INFO,
                        Le.payload().u32(8).u32(0).u32(0).u32(0).toBytes(),
                        "DEVICE_GET_IRQ_INFO with argsz 8")
                .expect(
                        Command.DEVICE_SET_IRQS,
                        Le.payload()
                                .u32(8)
                                .u32(Spec.IRQ_DATA_NONE | Spec.IRQ_ACTION_TRIGGER)
                                .u32(0)
                                .u32(0)
                                .u32(0)
                                .toBytes(),
                        "DEVICE_SET_IRQS with argsz 8")
                .expect(
                        Command.DMA_MAP,
                        Le.payload()
                                .u32(16)
                                .u32(Spec.DMA_READ)
                                .u64(0)
                                .u64(1L << 40)
                                .u64(4096)
                                .toBytes(),
                        "DMA_MAP with argsz 16")
                .expect(
                        Command.DMA_UNMAP,
                        Le.payload().u32(8).u32(0).u64(1L << 40).u64(4096).toBytes(),
                        "DMA_UNMAP with argsz 8");
        return r.summary();
    }

    private static String unknownCommands(Context c) throws IOException {
        Refusals r = new Refusals(c.session());
        for (int command : new int[] {0, 19, 99, 0x7FFF, 0xFFFF}) {
            r.expect(command, Requests.deviceInfo(), "command " + command);
        }
        r.expect(Command.DMA_READ, Le.payload().u64(1L << 40).u64(8).toBytes(), "DMA_READ from the client")
                .expect(
                        Command.DMA_WRITE,
                        Le.payload().u64(1L << 40).u64(8).u64(0).toBytes(),
                        "DMA_WRITE from the client");
        return r.summary();
    }

    private static String regionIndex(Context c) throws IOException {
        Facts f = c.facts();
        long n = f.numRegions();
        Refusals r = new Refusals(c.session());
        for (long index : new long[] {n, n + 1, 0xFFFF_FFFFL}) {
            r.expect(
                            Command.DEVICE_GET_REGION_INFO,
                            Requests.regionInfo(index, 32),
                            "DEVICE_GET_REGION_INFO of region " + index)
                    .expect(Command.REGION_READ, Requests.read(0, index, 4), "REGION_READ of region " + index)
                    .expect(
                            Command.REGION_WRITE,
                            Requests.write(0, index, new byte[4]),
                            "REGION_WRITE of region " + index);
        }
        r.expect(Command.DEVICE_GET_REGION_IO_FDS, Requests.ioFds(n, 16), "DEVICE_GET_REGION_IO_FDS of region " + n);
        return r.summary();
    }

    private static String irqIndex(Context c) throws IOException {
        Facts f = c.facts();
        long n = f.numIrqs();
        Refusals r = new Refusals(c.session());
        for (long index : new long[] {n, 0xFFFF_FFFFL}) {
            r.expect(Command.DEVICE_GET_IRQ_INFO, Requests.irqInfo(index), "DEVICE_GET_IRQ_INFO of index " + index)
                    .expect(
                            Command.DEVICE_SET_IRQS,
                            Requests.setIrqs(Spec.IRQ_DATA_NONE | Spec.IRQ_ACTION_TRIGGER, index, 0, 0, new byte[0]),
                            "DEVICE_SET_IRQS of index " + index);
        }
        return r.summary();
    }
}
