package dev.jvfio.conform;

import dev.jvfio.os.EventFd;
import dev.jvfio.protocol.Command;
import java.io.IOException;
import java.util.List;

/**
 * DEVICE_GET_IRQ_INFO and DEVICE_SET_IRQS (VU-4.4, VU-4.5): the info replies, an eventfd assigned,
 * de-assigned and the index disabled, and refusal of what the info rules out: vectors beyond the
 * count, flag combinations the specification calls exclusive, eventfds that do not match the count,
 * masking an index that is not MASKABLE.
 */
final class IrqChecks {
    private IrqChecks() {}

    static final String INFO = "vfio-user.rst: VFIO_USER_DEVICE_GET_IRQ_INFO";
    static final String SET = "vfio-user.rst: VFIO_USER_DEVICE_SET_IRQS";
    private static final int TRIGGER_NONE = Spec.IRQ_DATA_NONE | Spec.IRQ_ACTION_TRIGGER;
    private static final int TRIGGER_EVENTFD = Spec.IRQ_DATA_EVENTFD | Spec.IRQ_ACTION_TRIGGER;

    static List<Check> checks() {
        return List.of(
                new Check(
                        "VU-4.4/irq-info",
                        INFO,
                        "each IRQ index's info: 16 bytes, its index, only defined flags",
                        IrqChecks::irqInfo),
                new Check(
                        "VU-4.5/set-irqs-eventfd",
                        SET,
                        "an eventfd is assigned to a vector, de-assigned (no fd), and the index disabled (DATA_NONE, 0, 0)",
                        IrqChecks::eventfd),
                new Check(
                        "VU-4.5/set-irqs-range-refused",
                        SET,
                        "vectors beyond an index's count are refused",
                        IrqChecks::range),
                new Check(
                        "VU-4.5/set-irqs-flags-refused",
                        SET,
                        "two data types, two actions, no action or undefined flag bits are refused",
                        IrqChecks::flags),
                new Check(
                        "VU-4.5/set-irqs-fd-count-refused",
                        SET,
                        "DATA_EVENTFD with more eventfds than vectors is refused",
                        IrqChecks::fdCount),
                new Check(
                        "VU-4.4/maskable-masks",
                        INFO + " (VFIO_IRQ_INFO_MASKABLE)",
                        "an index that advertises MASKABLE masks and unmasks a vector that has its eventfd",
                        IrqChecks::maskable));
    }

    private static String irqInfo(Context c) throws IOException {
        Facts f = c.facts();
        Conversation s = c.session();
        for (int i = 0; i < f.numIrqs(); i++) {
            byte[] p = Expect.success(s.call(Command.DEVICE_GET_IRQ_INFO, Requests.irqInfo(i)), 16, "vfio_irq_info");
            Verdict.require(Le.u32(p, 0) == 16, "IRQ index " + i + ": argsz " + Le.u32(p, 0) + ", not 16");
            Verdict.require(Le.u32(p, 8) == i, "IRQ index " + i + ": the reply names index " + Le.u32(p, 8));
            long flags = Le.u32(p, 4);
            Verdict.require(
                    (flags & ~Spec.IRQ_INFO_KNOWN) == 0,
                    "IRQ index " + i + ": flag bits 0x" + Long.toHexString(flags & ~Spec.IRQ_INFO_KNOWN)
                            + " the specification does not define");
        }
        return f.numIrqs() + " IRQ indexes";
    }

    private static Facts.Irq withVectors(Context c, int atLeast) {
        return c.facts().irqs().stream()
                .filter(i -> i.eventfd() && i.count() >= atLeast)
                .findFirst()
                .orElseThrow(
                        () -> Verdict.skip("no IRQ index with the EVENTFD flag and " + atLeast + " or more vectors"));
    }

    private static String eventfd(Context c) throws IOException {
        Facts.Irq irq = withVectors(c, 1);
        Conversation s = c.session();
        try (EventFd e = EventFd.create()) {
            Expect.success(
                    s.call(
                            Command.DEVICE_SET_IRQS,
                            Requests.setIrqs(TRIGGER_EVENTFD, irq.index(), 0, 1, new byte[0]),
                            List.of(e.fd())),
                    0,
                    "a SET_IRQS reply (none)");
        }
        Expect.success(
                s.call(Command.DEVICE_SET_IRQS, Requests.setIrqs(TRIGGER_EVENTFD, irq.index(), 0, 1, new byte[0])),
                0,
                "a SET_IRQS reply (none)");
        Expect.success(
                s.call(Command.DEVICE_SET_IRQS, Requests.setIrqs(TRIGGER_NONE, irq.index(), 0, 0, new byte[0])),
                0,
                "a SET_IRQS reply (none)");
        return "index " + irq.index() + ": assigned, de-assigned, disabled";
    }

    private static String range(Context c) throws IOException {
        Facts f = c.facts();
        Refusals r = new Refusals(c.session());
        for (Facts.Irq irq : f.irqs()) {
            long n = irq.count();
            r.expect(
                    Command.DEVICE_SET_IRQS,
                    Requests.setIrqs(TRIGGER_NONE, irq.index(), n, 1, new byte[0]),
                    "SET_IRQS of vector " + n + " of IRQ index " + irq.index() + " (count " + n + ")");
            if (n > 0) {
                r.expect(
                        Command.DEVICE_SET_IRQS,
                        Requests.setIrqs(TRIGGER_NONE, irq.index(), 0, n + 1, new byte[0]),
                        "SET_IRQS of vectors 0.." + n + " of IRQ index " + irq.index() + " (count " + n + ")");
            }
        }
        return r.summary();
    }

    private static String flags(Context c) throws IOException {
        Facts f = c.facts();
        int index = f.irqs().stream()
                .filter(i -> i.count() > 0)
                .mapToInt(Facts.Irq::index)
                .findFirst()
                .orElse(0);
        Refusals r = new Refusals(c.session());
        r.expect(
                        Command.DEVICE_SET_IRQS,
                        Requests.setIrqs(
                                Spec.IRQ_DATA_NONE | Spec.IRQ_DATA_BOOL | Spec.IRQ_ACTION_TRIGGER,
                                index,
                                0,
                                1,
                                new byte[] {1}),
                        "SET_IRQS with DATA_NONE and DATA_BOOL")
                .expect(
                        Command.DEVICE_SET_IRQS,
                        Requests.setIrqs(
                                Spec.IRQ_DATA_NONE | Spec.IRQ_ACTION_MASK | Spec.IRQ_ACTION_UNMASK,
                                index,
                                0,
                                1,
                                new byte[0]),
                        "SET_IRQS with MASK and UNMASK")
                .expect(
                        Command.DEVICE_SET_IRQS,
                        Requests.setIrqs(Spec.IRQ_DATA_NONE, index, 0, 1, new byte[0]),
                        "SET_IRQS with no action")
                .expect(
                        Command.DEVICE_SET_IRQS,
                        Requests.setIrqs(TRIGGER_NONE | 0x40, index, 0, 1, new byte[0]),
                        "SET_IRQS with the undefined flag bit 6");
        return "IRQ index " + index + ": " + r.summary();
    }

    private static String fdCount(Context c) throws IOException {
        Facts.Irq irq = withVectors(c, 1);
        Conversation s = c.session();
        if (s.caps().maxMsgFds() < 2) {
            throw Verdict.skip(
                    "max_msg_fds " + s.caps().maxMsgFds() + ": two eventfds in one message are more than it takes");
        }
        Refusals r = new Refusals(s);
        try (EventFd a = EventFd.create();
                EventFd b = EventFd.create()) {
            r.expect(
                    Command.DEVICE_SET_IRQS,
                    Requests.setIrqs(TRIGGER_EVENTFD, irq.index(), 0, 1, new byte[0]),
                    List.of(a.fd(), b.fd()),
                    "SET_IRQS of 1 vector with 2 eventfds");
        }
        return "IRQ index " + irq.index() + ": " + r.summary();
    }

    private static String maskable(Context c) throws IOException {
        List<Facts.Irq> maskable = c.facts().irqs().stream()
                .filter(i -> i.count() > 0 && i.maskable() && i.eventfd())
                .toList();
        if (maskable.isEmpty()) {
            throw Verdict.skip("no IRQ index with vectors advertises MASKABLE and EVENTFD");
        }
        Conversation s = c.session();
        for (Facts.Irq irq : maskable) {
            try (EventFd e = EventFd.create()) {
                Expect.success(
                        s.call(
                                Command.DEVICE_SET_IRQS,
                                Requests.setIrqs(TRIGGER_EVENTFD, irq.index(), 0, 1, new byte[0]),
                                List.of(e.fd())),
                        0,
                        "a SET_IRQS reply (none)");
            }
            for (int action : new int[] {Spec.IRQ_ACTION_MASK, Spec.IRQ_ACTION_UNMASK}) {
                String what = (action == Spec.IRQ_ACTION_MASK ? "MASK" : "UNMASK") + " of vector 0 of IRQ index "
                        + irq.index() + ", which advertises MASKABLE";
                try {
                    Expect.success(
                            s.call(
                                    Command.DEVICE_SET_IRQS,
                                    Requests.setIrqs(Spec.IRQ_DATA_NONE | action, irq.index(), 0, 1, new byte[0])),
                            0,
                            "a SET_IRQS reply (none)");
                } catch (Verdict.Failed f) {
                    throw Verdict.fail(what + ": " + f.getMessage());
                }
            }
            Expect.success(
                    s.call(Command.DEVICE_SET_IRQS, Requests.setIrqs(TRIGGER_NONE, irq.index(), 0, 0, new byte[0])),
                    0,
                    "a SET_IRQS reply (none)");
        }
        return maskable.size() + " MASKABLE indexes masked and unmasked";
    }
}
