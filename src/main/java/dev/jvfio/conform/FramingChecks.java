package dev.jvfio.conform;

import dev.jvfio.client.RawMessage;
import dev.jvfio.protocol.Command;
import java.io.IOException;
import java.util.List;

/**
 * Message framing and ordering (VU-2; vfio-user.rst "Header", "Command Concurrency"): ids echoed
 * whatever their value, pipelined commands answered in order, no reply to a No_reply command; and
 * the replies of DEVICE_GET_INFO and DEVICE_RESET.
 */
final class FramingChecks {
    private FramingChecks() {}

    static final String HEADER = "vfio-user.rst: Header";

    static List<Check> checks() {
        return List.of(
                new Check(
                        "VU-2.2/ids-echoed",
                        HEADER,
                        "every reply echoes its request's msg id, whatever the value, repeated ids included",
                        FramingChecks::idsEchoed),
                new Check(
                        "VU-2.3/pipelined-in-order",
                        "vfio-user.rst: Command Concurrency",
                        "commands sent without waiting are answered in the order they were sent",
                        FramingChecks::pipelined),
                new Check(
                        "VU-2.3/no-reply-honoured",
                        HEADER + " (No_reply)",
                        "a command with the No_reply flag gets no reply",
                        FramingChecks::noReply),
                new Check(
                        "VU-4.1/device-info",
                        "vfio-user.rst: VFIO_USER_DEVICE_GET_INFO",
                        "DEVICE_GET_INFO: 16-byte reply, PCI flag, no undefined flags, at least 9 regions and 5 IRQ indexes",
                        FramingChecks::deviceInfo),
                new Check(
                        "VU-7.1/reset",
                        "vfio-user.rst: VFIO_USER_DEVICE_RESET",
                        "DEVICE_RESET of a device that advertises reset gets a bare reply, and the session goes on",
                        FramingChecks::reset));
    }

    private static String idsEchoed(Context c) throws IOException {
        Conversation s = c.session();
        int[] ids = {0, 0xFFFF, 0x8001, 0x1234, 0x1234};
        for (int id : ids) {
            s.sendBytes(Le.message(id, Command.DEVICE_GET_INFO, Spec.TYPE_COMMAND, Requests.deviceInfo()), List.of());
            Expect.success(new Conversation.Exchange(id, Command.DEVICE_GET_INFO, s.receive()), 16, "vfio_device_info");
        }
        return "ids 0, 0xffff, 0x8001 and 0x1234 twice echoed";
    }

    private static String pipelined(Context c) throws IOException {
        Conversation s = c.session();
        int a = s.send(Command.DEVICE_GET_INFO, Requests.deviceInfo());
        int b = s.send(Command.DEVICE_GET_REGION_INFO, Requests.regionInfo(0, 32));
        int d = s.send(Command.DEVICE_GET_IRQ_INFO, Requests.irqInfo(0));
        int e = s.send(Command.DEVICE_GET_INFO, Requests.deviceInfo());
        int[] ids = {a, b, d, e};
        int[] commands = {
            Command.DEVICE_GET_INFO,
            Command.DEVICE_GET_REGION_INFO,
            Command.DEVICE_GET_IRQ_INFO,
            Command.DEVICE_GET_INFO
        };
        for (int i = 0; i < ids.length; i++) {
            RawMessage r = s.receive();
            Verdict.require(
                    r.id() == ids[i] && r.command() == commands[i],
                    "reply " + (i + 1) + " answers msg id "
                            + r.id() + " (" + Command.name(r.command()) + "); the " + (i + 1) + ". request was msg id "
                            + ids[i] + " (" + Command.name(commands[i]) + ")");
            Expect.framing(new Conversation.Exchange(ids[i], commands[i], r));
        }
        return "4 pipelined requests answered in order";
    }

    private static String noReply(Context c) throws IOException {
        Conversation s = c.session();
        s.send(Command.DEVICE_GET_INFO, Spec.TYPE_COMMAND | Spec.NO_REPLY, Requests.deviceInfo(), List.of());
        int id = s.send(Command.DEVICE_GET_INFO, Requests.deviceInfo());
        RawMessage r = s.receive();
        Verdict.require(
                r.id() == id,
                "a message answering msg id " + r.id() + " came, though that request had " + "the No_reply flag");
        Expect.success(new Conversation.Exchange(id, Command.DEVICE_GET_INFO, r), 16, "vfio_device_info");
        return "nothing came back for the No_reply request";
    }

    private static String deviceInfo(Context c) throws IOException {
        Conversation s = c.session();
        byte[] p = Expect.success(s.call(Command.DEVICE_GET_INFO, Requests.deviceInfo()), 16, "vfio_device_info");
        long argsz = Le.u32(p, 0);
        int flags = (int) Le.u32(p, 4);
        long regions = Le.u32(p, 8);
        long irqs = Le.u32(p, 12);
        Verdict.require(argsz == 16, "argsz " + argsz + "; the reply needs 16 bytes");
        Verdict.require(
                (flags & ~(Spec.DEVICE_RESET | Spec.DEVICE_PCI)) == 0,
                "flag bits 0x" + Integer.toHexString(flags & ~(Spec.DEVICE_RESET | Spec.DEVICE_PCI))
                        + " the specification does not define");
        Verdict.require(
                (flags & Spec.DEVICE_PCI) != 0, "the PCI flag is clear; this protocol version serves PCI devices only");
        Verdict.require(
                regions >= Spec.PCI_NUM_REGIONS,
                regions + " regions; a PCI device has at least " + Spec.PCI_NUM_REGIONS);
        Verdict.require(irqs >= Spec.PCI_NUM_IRQS, irqs + " IRQ indexes; a PCI device has " + Spec.PCI_NUM_IRQS);
        return "flags 0x" + Integer.toHexString(flags) + ", " + regions + " regions, " + irqs + " IRQ indexes";
    }

    private static String reset(Context c) throws IOException {
        Facts f = c.facts();
        if (!f.resets()) {
            throw Verdict.skip("the device does not advertise reset (DEVICE_GET_INFO flag RESET clear)");
        }
        Conversation s = c.session();
        MigrationOps.reset(s, c.settings().reset());
        Expect.success(s.call(Command.DEVICE_GET_INFO, Requests.deviceInfo()), 16, "vfio_device_info");
        return "bare reply; the session still answers";
    }
}
