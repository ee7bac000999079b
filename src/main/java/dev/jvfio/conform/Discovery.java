package dev.jvfio.conform;

import dev.jvfio.protocol.Command;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Gathers the {@link Facts} over one session: DEVICE_GET_INFO, every region's info (asking again
 * with the argsz the first reply names, as QEMU does), every IRQ index, and whether DEVICE_FEATURE
 * PROBE finds MIGRATION. The replies are checked as far as the facts depend on them; the checks
 * judge them in detail.
 */
final class Discovery {
    private Discovery() {}

    /** More regions or IRQ indexes than this is not a description we can act on (QEMU takes 100 and 50). */
    static final int MAX_REGIONS = 256;

    static final int MAX_IRQS = 64;
    /** The largest region info argsz we ask for. */
    static final long MAX_REGION_ARGSZ = 64 << 10;

    static Facts discover(Conversation c) throws IOException {
        byte[] info = Expect.success(c.call(Command.DEVICE_GET_INFO, Requests.deviceInfo()), 16, "vfio_device_info");
        int flags = (int) Le.u32(info, 4);
        long regions = Le.u32(info, 8);
        long irqs = Le.u32(info, 12);
        Verdict.require(
                regions <= MAX_REGIONS && irqs <= MAX_IRQS,
                "DEVICE_GET_INFO announces " + regions + " regions and " + irqs + " IRQ indexes");
        List<RegionInfoReply> regionList = new ArrayList<>();
        for (int i = 0; i < regions; i++) {
            RegionInfoReply r = regionInfo(c, i);
            Verdict.require(r.problems().isEmpty(), "region " + i + ": " + String.join("; ", r.problems()));
            regionList.add(r);
        }
        List<Facts.Irq> irqList = new ArrayList<>();
        for (int i = 0; i < irqs; i++) {
            byte[] p = Expect.success(c.call(Command.DEVICE_GET_IRQ_INFO, Requests.irqInfo(i)), 16, "vfio_irq_info");
            irqList.add(new Facts.Irq(i, (int) Le.u32(p, 4), Le.u32(p, 12)));
        }
        return new Facts(
                c.caps(),
                flags,
                (int) regions,
                (int) irqs,
                List.copyOf(regionList),
                List.copyOf(irqList),
                migration(c));
    }

    /** The complete region info: asked with argsz 32, then again with the argsz the reply needs. */
    static RegionInfoReply regionInfo(Conversation c, int index) throws IOException {
        byte[] p = Expect.success(c.call(Command.DEVICE_GET_REGION_INFO, Requests.regionInfo(index, 32)), 1);
        RegionInfoReply r = RegionInfoReply.parse(p);
        if (r.argsz() <= p.length || r.argsz() > MAX_REGION_ARGSZ) {
            return r;
        }
        p = Expect.success(c.call(Command.DEVICE_GET_REGION_INFO, Requests.regionInfo(index, r.argsz())), 1);
        return RegionInfoReply.parse(p);
    }

    /** PROBE with GET of MIGRATION; a refusal (or a command the server does not know) means none. */
    static Facts.Migration migration(Conversation c) throws IOException {
        Conversation.Exchange x = c.call(
                Command.DEVICE_FEATURE,
                Requests.feature(8, Spec.FEATURE_PROBE | Spec.FEATURE_GET | Spec.FEATURE_MIGRATION, new byte[0]));
        try {
            Expect.framing(x);
        } catch (Verdict.Failed e) {
            return new Facts.Migration(false, 0, "its answer to DEVICE_FEATURE PROBE is malformed: " + e.getMessage());
        }
        if (Expect.isError(x.reply())) {
            return new Facts.Migration(
                    false,
                    0,
                    "the server does not advertise migration (DEVICE_FEATURE PROBE of " + "MIGRATION refused with "
                            + Expect.errnoName(x.reply().error()) + ")");
        }
        try {
            long flags = MigrationOps.migrationFlags(c);
            return new Facts.Migration(true, flags, "advertised");
        } catch (Verdict.Failed e) {
            return new Facts.Migration(true, 0, e.getMessage());
        }
    }
}
