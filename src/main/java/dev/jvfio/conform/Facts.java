package dev.jvfio.conform;

import java.util.List;
import java.util.Optional;

/**
 * What the device says about itself, gathered once before the checks (VU-4.1, VU-4.2, VU-4.4,
 * VU-7.2): the checks that need an index, a size or a flag take it from here, never from
 * knowledge of any particular server.
 */
record Facts(
        Caps caps,
        int deviceFlags,
        int numRegions,
        int numIrqs,
        List<RegionInfoReply> regions,
        List<Irq> irqs,
        Migration migration) {

    /** One IRQ index (VU-4.4). */
    record Irq(int index, int flags, long count) {
        boolean eventfd() {
            return (flags & Spec.IRQ_INFO_EVENTFD) != 0;
        }

        boolean maskable() {
            return (flags & Spec.IRQ_INFO_MASKABLE) != 0;
        }
    }

    /** Whether the device advertises migration (DEVICE_FEATURE MIGRATION, VU-7.2) and its flags. */
    record Migration(boolean advertised, long flags, String why) {
        boolean preCopy() {
            return (flags & Spec.MIGRATION_PRE_COPY) != 0;
        }

        boolean p2p() {
            return (flags & Spec.MIGRATION_P2P) != 0;
        }
    }

    boolean pci() {
        return (deviceFlags & Spec.DEVICE_PCI) != 0;
    }

    boolean resets() {
        return (deviceFlags & Spec.DEVICE_RESET) != 0;
    }

    RegionInfoReply region(int index) {
        return regions.get(index);
    }

    /** The PCI config region (index 7) with room for the standard header, if the device is PCI. */
    Optional<RegionInfoReply> config() {
        if (!pci() || regions.size() <= Spec.PCI_CONFIG_REGION) {
            return Optional.empty();
        }
        RegionInfoReply r = regions.get(Spec.PCI_CONFIG_REGION);
        return r.readable() && r.size() >= 64 ? Optional.of(r) : Optional.empty();
    }
}
