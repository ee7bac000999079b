package dev.jvfio.lspci;

import static dev.jvfio.pci.PciHeader.*;

import java.util.HashSet;
import java.util.Set;

/**
 * Prints the extended capability list (from 0x100) the way {@code lspci -vvv} does (PCI-8.1; pciutils'
 * {@code ls-ecaps.c}): Null, AER (endpoint registers), Device Serial Number, LTR, vendor-specific, DVSEC,
 * Power Budgeting (name only), the others by name.
 */
final class ExtendedCapabilityText extends LspciText {
    ExtendedCapabilityText(LspciText shared) {
        super(shared);
    }

    void list() {
        int where = EXT_CAP_START;
        Set<Integer> seen = new HashSet<>();
        do {
            int header = l(where);
            if (header == 0 || header == -1) {
                break;
            }
            int id = header & 0xFFFF;
            int ver = (header >>> 16) & 0xF;
            pf("\tCapabilities: [%03x", where);
            p(" v" + ver + "] ");
            if (!seen.add(where)) {
                p("<chain looped>\n");
                break;
            }
            switch (id) {
                case 0x00 -> p("Null\n");
                case EXT_CAP_ID_ERR -> aer(where);
                case EXT_CAP_ID_DSN ->
                    pf(
                            "Device Serial Number %02x-%02x-%02x-%02x-%02x-%02x-%02x-%02x\n",
                            b(where + 11),
                            b(where + 10),
                            b(where + 9),
                            b(where + 8),
                            b(where + 7),
                            b(where + 6),
                            b(where + 5),
                            b(where + 4));
                case EXT_CAP_ID_PWR -> p("Power Budgeting <?>\n");
                case EXT_CAP_ID_VNDR -> {
                    int h = l(where + 4);
                    pf(
                            "Vendor Specific Information: ID=%04x Rev=%d Len=%03x <?>\n",
                            h & 0xFFFF, (h >> 16) & 0xF, h >>> 20);
                }
                case EXT_CAP_ID_LTR -> {
                    p("Latency Tolerance Reporting\n");
                    pf("\t\tMax snoop latency: %dns\n", ltr(w(where + 4)));
                    pf("\t\tMax no snoop latency: %dns\n", ltr(w(where + 6)));
                }
                case EXT_CAP_ID_DVSEC -> {
                    int h = l(where + 4);
                    pf(
                            "Designated Vendor-Specific: Vendor=%04x ID=%04x Rev=%d Len=%d <?>\n",
                            h & 0xFFFF, w(where + 8), (h >> 16) & 0xF, h >>> 20);
                }
                default -> pf("%s\n", extName(id));
            }
            where = (header >>> 20) & ~3;
        } while (where != 0 && where >= EXT_CAP_START && where < c.length);
    }

    private static long ltr(int v) {
        // Scales 6 and 7 are reserved; pciutils computes the multiplier as a 32-bit C shift, which x86
        // masks to 5 bits (scale 7 multiplies by 8). Reproduced so both tools agree on every input.
        return (long) (v & 0x3FF) * (1L << ((5 * ((v >> 10) & 7)) & 31));
    }

    private static String extName(int id) {
        return switch (id) {
            case 0x05 -> "Root Complex Link <?>";
            case 0x0D -> "Access Control Services <?>";
            case 0x0E -> "Alternative Routing-ID Interpretation (ARI) <?>";
            case 0x0F -> "Address Translation Service (ATS) <?>";
            case 0x10 -> "Single Root I/O Virtualization (SR-IOV) <?>";
            case 0x19 -> "Secondary PCI Express <?>";
            case 0x1E -> "L1 PM Substates <?>";
            default -> String.format("Extended Capability ID %#x", id);
        };
    }

    private void aer(int where) {
        p("Advanced Error Reporting\n");
        String ue =
                "\t\t%s:\tDLP%c SDES%c TLP%c FCP%c CmpltTO%c CmpltAbrt%c UnxCmplt%c RxOF%c MalfTLP%c ECRC%c UnsupReq%c ACSViol%c\n";
        String[] names = {"UESta", "UEMsk", "UESvrt"};
        for (int i = 0; i < 3; i++) {
            int l = l(where + 4 + 4 * i);
            pf(
                    ue,
                    names[i],
                    f(l, 0x10),
                    f(l, 0x20),
                    f(l, 0x1000),
                    f(l, 0x2000),
                    f(l, 0x4000),
                    f(l, 0x8000),
                    f(l, 0x10000),
                    f(l, 0x20000),
                    f(l, 0x40000),
                    f(l, 0x80000),
                    f(l, 0x100000),
                    f(l, 0x200000));
        }
        String ce = "\t\t%s:\tRxErr%c BadTLP%c BadDLLP%c Rollover%c Timeout%c AdvNonFatalErr%c\n";
        int l = l(where + 16);
        pf(ce, "CESta", f(l, 1), f(l, 0x40), f(l, 0x80), f(l, 0x100), f(l, 0x1000), f(l, 0x2000));
        l = l(where + 20);
        pf(ce, "CEMsk", f(l, 1), f(l, 0x40), f(l, 0x80), f(l, 0x100), f(l, 0x1000), f(l, 0x2000));
        l = l(where + 24);
        pf(
                "\t\tAERCap:\tFirst Error Pointer: %02x, ECRCGenCap%c ECRCGenEn%c ECRCChkCap%c ECRCChkEn%c\n",
                l & 0x1F, f(l, 0x20), f(l, 0x40), f(l, 0x80), f(l, 0x100));
        pf(
                "\t\t\tMultHdrRecCap%c MultHdrRecEn%c TLPPfxPres%c HdrLogCap%c\n",
                f(l, 0x200), f(l, 0x400), f(l, 0x800), f(l, 0x1000));
        pf("\t\tHeaderLog: %08x %08x %08x %08x\n", l(where + 28), l(where + 32), l(where + 36), l(where + 40));
    }
}
