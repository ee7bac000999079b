package dev.jvfio.pci;

import static dev.jvfio.pci.PciHeader.*;

/**
 * The standard guest permissions of the type-0 header and of each capability we know (PCI-1.1, PCI-3.x),
 * derived from the space itself so that a template from a dump gets the same as a built function.
 * BAR and ROM registers are not touched here: their masks depend on sizes ({@link PciDeviceBuilder}).
 */
final class CapabilityMasks {
    private CapabilityMasks() {}

    static void apply(ConfigSpace cs, CapabilityMap caps) {
        cs.setWritable(COMMAND, 2, COMMAND_WRITABLE);
        cs.setW1c(STATUS, 2, STATUS_W1C);
        cs.setWritable(CACHE_LINE_SIZE, 1, 0xFF);
        cs.setWritable(LATENCY_TIMER, 1, 0xFF);
        cs.setWritable(INTERRUPT_LINE, 1, 0xFF);
        for (CapabilityMap.Entry e : caps.all()) {
            int at = e.offset();
            if (!e.extended()) {
                switch (e.id()) {
                    case CAP_ID_PM -> {
                        cs.setWritable(at + 4, 2, 0x0103); // PowerState, PME_En
                        cs.setW1c(at + 4, 2, 0x8000); // PME_Status
                        cs.setSticky(at + 4, 2, 0x8100);
                    }
                    case CAP_ID_MSI -> msi(cs, at);
                    case CAP_ID_MSIX -> cs.setWritable(at + 2, 2, 0xC000); // enable, function mask
                    case CAP_ID_EXP -> express(cs, at);
                    default -> {}
                }
            } else if (e.id() == EXT_CAP_ID_ERR) {
                // AER status registers are write-1-to-clear and sticky; masks/severity are RWS.
                cs.setW1c(at + 4, 4, 0xFFFF_FFFFL);
                cs.setW1c(at + 16, 4, 0xFFFF_FFFFL);
                cs.setWritable(at + 8, 4, 0xFFFF_FFFFL);
                cs.setWritable(at + 12, 4, 0xFFFF_FFFFL);
                cs.setWritable(at + 20, 4, 0xFFFF_FFFFL);
                cs.setSticky(at + 4, 20, -1L);
            }
        }
    }

    private static void msi(ConfigSpace cs, int at) {
        int ctrl = cs.read16(at + 2);
        boolean is64 = (ctrl & 0x80) != 0;
        boolean pvm = (ctrl & 0x100) != 0;
        int vectors = 1 << ((ctrl >>> 1) & 7);
        cs.setWritable(at + 2, 2, 0x0071); // enable, multiple message enable
        cs.setWritable(at + 4, 4, 0xFFFF_FFFCL); // message address
        int data = at + 8;
        if (is64) {
            cs.setWritable(at + 8, 4, 0xFFFF_FFFFL); // upper address
            data = at + 12;
        }
        cs.setWritable(data, 2, 0xFFFF);
        if (pvm) {
            long mask = vectors == 32 ? 0xFFFF_FFFFL : (1L << vectors) - 1;
            cs.setWritable(data + 4, 4, mask); // mask bits; pending bits stay read-only
        }
    }

    private static void express(ConfigSpace cs, int at) {
        boolean flr = (cs.read32(at + 4) & (1 << 28)) != 0;
        cs.setWritable(at + 8, 2, flr ? 0xFFFF : 0x7FFF); // DEVCTL (bit 15 = initiate FLR)
        cs.setW1c(at + 10, 2, 0x000F); // DEVSTA error bits
        cs.setWritable(at + 16, 2, 0x0FCB); // LNKCTL (endpoint bits)
        cs.setW1c(at + 18, 2, 0xC000); // LNKSTA BW management status
        if ((cs.read16(at + 2) & 0xF) >= 2) {
            cs.setWritable(at + 40, 2, 0xE7FF); // DEVCTL2
            cs.setWritable(at + 48, 2, 0xFFFF); // LNKCTL2
            cs.setW1c(at + 50, 2, 0x0020); // LNKSTA2 link equalization request
        }
    }
}
