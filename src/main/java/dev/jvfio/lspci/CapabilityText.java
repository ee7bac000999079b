package dev.jvfio.lspci;

import static dev.jvfio.pci.PciHeader.*;

import java.util.HashSet;
import java.util.Set;

/**
 * Prints the standard capability list the way {@code lspci -vvv} does (PCI-8.1; pciutils'
 * {@code ls-caps.c}): Power Management, MSI, MSI-X and vendor-specific in full, PCI Express through
 * {@link ExpressText}, the others by name.
 */
final class CapabilityText extends LspciText {
    CapabilityText(LspciText shared) {
        super(shared);
    }

    /** Prints the standard list; returns whether a PCI Express capability was in it. */
    boolean list() {
        boolean express = false;
        if ((w(STATUS) & STATUS_CAP_LIST) == 0) {
            return false;
        }
        int where = b(CAPABILITY_LIST) & ~3;
        Set<Integer> seen = new HashSet<>();
        while (where != 0) {
            pf("\tCapabilities: [%02x] ", where);
            if (!seen.add(where)) {
                p("<chain looped>\n");
                return express;
            }
            int id = b(where);
            express |= id == CAP_ID_EXP;
            int next = b(where + 1) & ~3;
            int cap = w(where + 2);
            switch (id) {
                case 0x00 -> p("Null\n");
                case CAP_ID_PM -> pm(where, cap);
                case CAP_ID_MSI -> msi(where, cap);
                case CAP_ID_VNDR -> pf("Vendor Specific Information: Len=%02x <?>\n", b(where + 2));
                case CAP_ID_EXP -> new ExpressText(this).express(where, cap);
                case CAP_ID_MSIX -> msix(where, cap);
                default -> pf("%s\n", stdName(id, cap));
            }
            where = next;
        }
        return express;
    }

    private static String stdName(int id, int cap) {
        return switch (id) {
            case 0x02 -> "AGP <?>";
            case 0x03 -> "Vital Product Data <?>";
            case 0x04 -> "Slot ID <?>";
            case 0x06 -> "CompactPCI hot-swap <?>";
            case 0x0A -> "Debug port <?>";
            case 0x0C -> "PCI Standard Hot-Plug Controller <?>";
            case 0x12 -> "SATA HBA <?>";
            case 0x13 -> "PCI Advanced Features <?>";
            case 0x14 -> "PCI Enhanced Allocation <?>";
            default -> String.format("Capability ID %#x [%04x]", id, cap);
        };
    }

    private void pm(int where, int cap) {
        int[] aux = {0, 55, 100, 160, 220, 270, 320, 375};
        pf("Power Management version %d\n", cap & 7);
        pf(
                "\t\tFlags: PMEClk%c DSI%c D1%c D2%c AuxCurrent=%dmA PME(D0%c,D1%c,D2%c,D3hot%c,D3cold%c)\n",
                f(cap, 8),
                f(cap, 0x20),
                f(cap, 0x200),
                f(cap, 0x400),
                aux[(cap >> 6) & 7],
                f(cap, 0x800),
                f(cap, 0x1000),
                f(cap, 0x2000),
                f(cap, 0x4000),
                f(cap, 0x8000));
        int t = w(where + 4);
        pf(
                "\t\tStatus: D%d NoSoftRst%c PME-Enable%c DSel=%d DScale=%d PME%c\n",
                t & 3, f(t, 8), f(t, 0x100), (t >> 9) & 0xF, (t >> 13) & 3, f(t, 0x8000));
        int bridge = b(where + 6);
        if (bridge != 0) {
            pf("\t\tBridge: PM%c B3%c\n", f(bridge, 0x80), f(~bridge, 0x40));
        }
    }

    private void msi(int where, int cap) {
        pf(
                "MSI: Enable%c Count=%d/%d Maskable%c 64bit%c\n",
                f(cap, 1), 1 << ((cap >> 4) & 7), 1 << ((cap >> 1) & 7), f(cap, 0x100), f(cap, 0x80));
        boolean is64 = (cap & 0x80) != 0;
        p("\t\tAddress: ");
        int data;
        if (is64) {
            pf("%08x", l(where + 8));
            data = w(where + 12);
        } else {
            data = w(where + 8);
        }
        pf("%08x  Data: %04x\n", l(where + 4), data);
        if ((cap & 0x100) != 0) {
            int mask = is64 ? where + 16 : where + 12;
            pf("\t\tMasking: %08x  Pending: %08x\n", l(mask), l(mask + 4));
        }
    }

    private void msix(int where, int cap) {
        pf("MSI-X: Enable%c Count=%d Masked%c\n", f(cap, 0x8000), (cap & 0x7FF) + 1, f(cap, 0x4000));
        int t = l(where + 4);
        pf("\t\tVector table: BAR=%d offset=%08x\n", t & 7, t & ~7);
        int pba = l(where + 8);
        pf("\t\tPBA: BAR=%d offset=%08x\n", pba & 7, pba & ~7);
    }
}
