package dev.jvfio.pci;

import static dev.jvfio.pci.PciHeader.*;

import java.math.BigDecimal;
import java.util.HashSet;
import java.util.Set;

/**
 * Prints a type-0 config space the way {@code lspci -n -vvv} (pciutils 3.9) does (PCI-8.1): the
 * numeric header line, subsystem, command and status flags, latency, interrupt, the BARs (with sizes
 * when known, PCI-8.2), the expansion ROM, every standard capability and the extended list.
 *
 * <p>Decoded in full: Power Management, MSI, MSI-X, PCI Express (endpoint, legacy endpoint and
 * root-complex integrated endpoint: device, link, device 2 and link 2 registers), vendor-specific;
 * extended: Null, AER (endpoint registers), Device Serial Number, LTR, vendor-specific, DVSEC,
 * Power Budgeting (name only, as pciutils). Others are named like pciutils names them, without detail.
 * The text is our own code written from the PCI specifications and pciutils' observable output.
 */
public final class ConfigDecoder {
    private final byte[] c;
    private final long[] barSizes;
    private final long romSize;
    private final StringBuilder out = new StringBuilder();

    private ConfigDecoder(byte[] config, long[] barSizes, long romSize) {
        this.c = config;
        this.barSizes = barSizes;
        this.romSize = romSize;
    }

    /**
     * Decodes raw bytes (256 or 4096). {@code barSizes} (6 entries, 0 = unknown/absent) and
     * {@code romSize} (0 = unknown) add "[size=...]" like lspci on a live system; pass null/0 for a dump.
     */
    public static String decode(String slot, byte[] config, long[] barSizes, long romSize) {
        ConfigDecoder d = new ConfigDecoder(config, barSizes == null ? new long[6] : barSizes, romSize);
        d.all(slot);
        return d.out.toString();
    }

    /** Decodes a live function, with its BAR and ROM sizes. */
    public static String decode(String slot, VfioPciDevice device) {
        long[] sizes = new long[6];
        for (int i = 0; i < 6; i++) {
            PciBar b = device.bar(i);
            if (b != null) {
                sizes[i] = b.size();
            }
        }
        long rom = 0;
        try {
            rom = device.regionInfo(dev.jvfio.device.Vfio.PCI_ROM_REGION_INDEX).size();
        } catch (dev.jvfio.device.VfioException e) {
            // no ROM
        }
        return decode(slot, device.config().bytes(), sizes, rom);
    }

    // ------------------------------------------------------------------ access helpers

    private int b(int at) {
        return at >= 0 && at < c.length ? c[at] & 0xFF : 0;
    }

    private int w(int at) {
        return b(at) | b(at + 1) << 8;
    }

    private int l(int at) {
        return w(at) | w(at + 2) << 16;
    }

    private static char f(long v, long bit) {
        return (v & bit) != 0 ? '+' : '-';
    }

    private ConfigDecoder p(String s) {
        out.append(s);
        return this;
    }

    private ConfigDecoder pf(String fmt, Object... args) {
        out.append(String.format(fmt, args));
        return this;
    }

    // ------------------------------------------------------------------ header

    private void all(String slot) {
        int rev = b(REVISION_ID);
        pf("%s %04x: %04x:%04x", slot, w(CLASS_DEVICE), w(VENDOR_ID), w(DEVICE_ID));
        if (rev != 0) {
            pf(" (rev %02x)", rev);
        }
        if (b(CLASS_PROG) != 0) {
            pf(" (prog-if %02x)", b(CLASS_PROG));
        }
        p("\n");
        int sv = w(SUBSYSTEM_VENDOR_ID);
        if (sv != 0 && sv != 0xFFFF) {
            pf("\tSubsystem: %04x:%04x\n", sv, w(SUBSYSTEM_ID));
        }
        int cmd = w(COMMAND);
        int st = w(STATUS);
        pf("\tControl: I/O%c Mem%c BusMaster%c SpecCycle%c MemWINV%c VGASnoop%c ParErr%c Stepping%c SERR%c FastB2B%c DisINTx%c\n",
                f(cmd, 1), f(cmd, 2), f(cmd, 4), f(cmd, 8), f(cmd, 0x10), f(cmd, 0x20), f(cmd, 0x40), f(cmd, 0x80),
                f(cmd, 0x100), f(cmd, 0x200), f(cmd, 0x400));
        String devsel = switch (st & STATUS_DEVSEL_MASK) {
            case 0x000 -> "fast";
            case 0x200 -> "medium";
            case 0x400 -> "slow";
            default -> "??";
        };
        pf("\tStatus: Cap%c 66MHz%c UDF%c FastB2B%c ParErr%c DEVSEL=%s >TAbort%c <TAbort%c <MAbort%c >SERR%c <PERR%c INTx%c\n",
                f(st, 0x10), f(st, 0x20), f(st, 0x40), f(st, 0x80), f(st, 0x100), devsel, f(st, 0x800), f(st, 0x1000),
                f(st, 0x2000), f(st, 0x4000), f(st, 0x8000), f(st, 0x8));
        if ((cmd & COMMAND_MASTER) != 0) {
            pf("\tLatency: %d", b(LATENCY_TIMER));
            int minGnt = b(MIN_GNT);
            int maxLat = b(MAX_LAT);
            if (minGnt != 0 || maxLat != 0) {
                p(" (");
                if (minGnt != 0) {
                    pf("%dns min", minGnt * 250);
                }
                if (minGnt != 0 && maxLat != 0) {
                    p(", ");
                }
                if (maxLat != 0) {
                    pf("%dns max", maxLat * 250);
                }
                p(")");
            }
            if (b(CACHE_LINE_SIZE) != 0) {
                pf(", Cache Line Size: %d bytes", b(CACHE_LINE_SIZE) * 4);
            }
            p("\n");
        }
        int pin = b(INTERRUPT_PIN);
        int irq = b(INTERRUPT_LINE);
        if (pin != 0 || irq != 0) {
            pf("\tInterrupt: pin %c routed to IRQ %d\n", pin != 0 ? (char) ('A' + pin - 1) : '?', irq);
        }
        int bist = b(BIST);
        if ((bist & 0x80) != 0) {
            if ((bist & 0x40) != 0) {
                p("\tBIST is running\n");
            } else {
                pf("\tBIST result: %02x\n", bist & 0x0F);
            }
        }
        bars(cmd);
        rom(cmd);
        // pciutils shows the extended list only for functions with a PCI Express capability.
        if (capabilities() && c.length > 256) {
            extendedCapabilities();
        }
    }

    private static String size(long x) {
        String[] suffix = {"", "K", "M", "G", "T"};
        int i = 0;
        while (i < suffix.length - 1 && x % 1024 == 0) {
            x /= 1024;
            i++;
        }
        return " [size=" + x + suffix[i] + "]";
    }

    private void bars(int cmd) {
        for (int i = 0; i < 6; i++) {
            int flg = l(BAR0 + 4 * i);
            long len = barSizes[i];
            if (flg == -1) {
                flg = 0;
            }
            if (flg == 0 && len == 0) {
                continue;
            }
            pf("\tRegion %d: ", i);
            if ((flg & 1) != 0) {
                long a = flg & 0xFFFF_FFFCL;
                p("I/O ports at ");
                if (a != 0 || (cmd & COMMAND_IO) != 0) {
                    pf("%04x", a);
                } else {
                    p("<unassigned>");
                }
                if ((cmd & COMMAND_IO) == 0) {
                    p(" [disabled]");
                }
            } else {
                int type = flg & 6;
                long a = flg & 0xFFFF_FFF0L;
                int upper = 0;
                if (type == 4 && i < 5) {
                    upper = l(BAR0 + 4 * (i + 1));
                    a |= (upper & 0xFFFF_FFFFL) << 32;
                } else if (type == 4) {
                    a = 0; // a 64-bit BAR in the last slot has no upper half: pciutils reports no address
                }
                p("Memory at ");
                if (a != 0) {
                    pf("%08x", a);
                } else {
                    p("<unassigned>");
                }
                pf(" (%s, %sprefetchable)", type == 0 ? "32-bit" : type == 4 ? "64-bit" : type == 2 ? "low-1M" : "type 3",
                        (flg & 8) != 0 ? "" : "non-");
                if ((cmd & COMMAND_MEMORY) == 0) {
                    p(" [disabled]");
                }
                if (type == 4) {
                    if (len != 0) {
                        p(size(len));
                    }
                    p("\n");
                    i++; // the upper dword belongs to this BAR
                    continue;
                }
            }
            if (len != 0) {
                p(size(len));
            }
            p("\n");
        }
    }

    private void rom(int cmd) {
        int flg = l(ROM_ADDRESS);
        if (flg == 0 && romSize == 0) {
            return;
        }
        p("\tExpansion ROM at ");
        long a = flg & (ROM_ADDRESS_MASK & 0xFFFF_FFFFL);
        if (a != 0) {
            pf("%08x", a);
        } else {
            p("<unassigned>");
        }
        if ((flg & ROM_ENABLE) == 0) {
            p(" [disabled]");
        } else if ((cmd & COMMAND_MEMORY) == 0) {
            p(" [disabled by cmd]");
        }
        if (romSize != 0) {
            p(size(romSize));
        }
        p("\n");
    }

    // ------------------------------------------------------------------ standard capabilities

    /** Prints the standard list; returns whether a PCI Express capability was in it. */
    private boolean capabilities() {
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
                case CAP_ID_EXP -> express(where, cap);
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
        pf("\t\tFlags: PMEClk%c DSI%c D1%c D2%c AuxCurrent=%dmA PME(D0%c,D1%c,D2%c,D3hot%c,D3cold%c)\n",
                f(cap, 8), f(cap, 0x20), f(cap, 0x200), f(cap, 0x400), aux[(cap >> 6) & 7],
                f(cap, 0x800), f(cap, 0x1000), f(cap, 0x2000), f(cap, 0x4000), f(cap, 0x8000));
        int t = w(where + 4);
        pf("\t\tStatus: D%d NoSoftRst%c PME-Enable%c DSel=%d DScale=%d PME%c\n", t & 3, f(t, 8), f(t, 0x100),
                (t >> 9) & 0xF, (t >> 13) & 3, f(t, 0x8000));
        int bridge = b(where + 6);
        if (bridge != 0) {
            pf("\t\tBridge: PM%c B3%c\n", f(bridge, 0x80), f(~bridge, 0x40));
        }
    }

    private void msi(int where, int cap) {
        pf("MSI: Enable%c Count=%d/%d Maskable%c 64bit%c\n", f(cap, 1), 1 << ((cap >> 4) & 7), 1 << ((cap >> 1) & 7),
                f(cap, 0x100), f(cap, 0x80));
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

    // ------------------------------------------------------------------ PCI Express

    private static final int T_ENDPOINT = 0;
    private static final int T_LEG_END = 1;
    private static final int T_ROOT_INT_EP = 9;
    private static final int T_ROOT_EC = 10;

    private void express(int where, int cap) {
        int type = (cap >> 4) & 0xF;
        int ver = cap & 0xF;
        pf("Express (v%d) ", ver);
        boolean link = true;
        switch (type) {
            case T_ENDPOINT -> p("Endpoint");
            case T_LEG_END -> p("Legacy Endpoint");
            case 4 -> pf("Root Port (Slot%c)", f(cap, 0x100));
            case 5 -> p("Upstream Port");
            case 6 -> pf("Downstream Port (Slot%c)", f(cap, 0x100));
            case 7 -> p("PCI-Express to PCI/PCI-X Bridge");
            case 8 -> pf("PCI/PCI-X to PCI-Express Bridge (Slot%c)", f(cap, 0x100));
            case T_ROOT_INT_EP -> {
                link = false;
                p("Root Complex Integrated Endpoint");
            }
            case T_ROOT_EC -> {
                link = false;
                p("Root Complex Event Collector");
            }
            default -> pf("Unknown type %d", type);
        }
        pf(", MSI %02x\n", (cap >> 9) & 0x1F);
        expressDev(where, type);
        if (link) {
            expressLink(where, type);
        }
        if (ver >= 2) {
            expressDev2(where, type);
            if (link) {
                expressLink2(where, type);
            }
        }
    }

    private static String l0s(int v) {
        return new String[] {"<64ns", "<128ns", "<256ns", "<512ns", "<1us", "<2us", "<4us", "unlimited"}[v & 7];
    }

    private static String l1(int v) {
        return new String[] {"<1us", "<2us", "<4us", "<8us", "<16us", "<32us", "<64us", "unlimited"}[v & 7];
    }

    private static String powerLimit(int value, int scale) {
        if (scale == 0 && value >= 0xF0) {
            return value == 0xFF ? ">600W" : (250 + 25 * (value - 0xF0)) + "W";
        }
        BigDecimal v = BigDecimal.valueOf(value).movePointLeft(scale);
        return (v.signum() == 0 ? "0" : v.stripTrailingZeros().toPlainString()) + "W";
    }

    private void expressDev(int where, int type) {
        int t = l(where + 4);
        boolean ep = type == T_ENDPOINT || type == T_LEG_END;
        pf("\t\tDevCap:\tMaxPayload %d bytes, PhantFunc %d", 128 << (t & 7), (1 << ((t >> 3) & 3)) - 1);
        if (ep) {
            pf(", Latency L0s %s, L1 %s", l0s(t >> 6), l1(t >> 9));
        }
        p("\n");
        pf("\t\t\tExtTag%c", f(t, 0x20));
        if (ep || type == 5 || type == 7) {
            pf(" AttnBtn%c AttnInd%c PwrInd%c", f(t, 0x1000), f(t, 0x2000), f(t, 0x4000));
        }
        pf(" RBE%c", f(t, 0x8000));
        if (ep) {
            pf(" FLReset%c", f(t, 1 << 28));
        }
        if (type == T_ENDPOINT || type == 5 || type == 7) {
            pf(" SlotPowerLimit %s", powerLimit((t >>> 18) & 0xFF, (t >>> 26) & 3));
        }
        p("\n");
        int w = w(where + 8);
        pf("\t\tDevCtl:\tCorrErr%c NonFatalErr%c FatalErr%c UnsupReq%c\n", f(w, 1), f(w, 2), f(w, 4), f(w, 8));
        pf("\t\t\tRlxdOrd%c ExtTag%c PhantFunc%c AuxPwr%c NoSnoop%c", f(w, 0x10), f(w, 0x100), f(w, 0x200),
                f(w, 0x400), f(w, 0x800));
        if (type == 7) {
            pf(" BrConfRtry%c", f(w, 0x8000));
        }
        if (ep && (t & (1 << 28)) != 0) {
            pf(" FLReset%c", f(w, 0x8000));
        }
        pf("\n\t\t\tMaxPayload %d bytes, MaxReadReq %d bytes\n", 128 << ((w >> 5) & 7), 128 << ((w >> 12) & 7));
        w = w(where + 10);
        pf("\t\tDevSta:\tCorrErr%c NonFatalErr%c FatalErr%c UnsupReq%c AuxPwr%c TransPend%c\n", f(w, 1), f(w, 2),
                f(w, 4), f(w, 8), f(w, 0x10), f(w, 0x20));
    }

    private static String linkSpeed(int s) {
        return switch (s) {
            case 1 -> "2.5GT/s";
            case 2 -> "5GT/s";
            case 3 -> "8GT/s";
            case 4 -> "16GT/s";
            case 5 -> "32GT/s";
            case 6 -> "64GT/s";
            default -> "unknown";
        };
    }

    private static String linkCompare(int sta, int cap) {
        if (sta < cap) {
            return " (downgraded)";
        }
        if (sta > cap) {
            return " (overdriven)";
        }
        return "";
    }

    private void expressLink(int where, int type) {
        int t = l(where + 12);
        int aspm = (t >> 10) & 3;
        int capSpeed = t & 0xF;
        int capWidth = (t >> 4) & 0x3F;
        String[] support = {"not supported", "L0s", "L1", "L0s L1"};
        pf("\t\tLnkCap:\tPort #%d, Speed %s, Width x%d, ASPM %s", t >>> 24, linkSpeed(capSpeed), capWidth,
                support[aspm]);
        if (aspm != 0) {
            p(", Exit Latency ");
            if ((aspm & 1) != 0) {
                pf("L0s %s", l0s(t >> 12));
            }
            if ((aspm & 2) != 0) {
                pf("%sL1 %s", (aspm & 1) != 0 ? ", " : "", l1(t >> 15));
            }
        }
        p("\n");
        pf("\t\t\tClockPM%c Surprise%c LLActRep%c BwNot%c ASPMOptComp%c\n", f(t, 1 << 18), f(t, 1 << 19),
                f(t, 1 << 20), f(t, 1 << 21), f(t, 1 << 22));
        int w = w(where + 16);
        String[] enabled = {"Disabled", "L0s Enabled", "L1 Enabled", "L0s L1 Enabled"};
        pf("\t\tLnkCtl:\tASPM %s;", enabled[w & 3]);
        if (type == 4 || type == T_ENDPOINT || type == T_LEG_END || type == 7) {
            pf(" RCB %d bytes,", (w & 8) != 0 ? 128 : 64);
        }
        pf(" Disabled%c CommClk%c\n\t\t\tExtSynch%c ClockPM%c AutWidDis%c BWInt%c AutBWInt%c\n", f(w, 0x10),
                f(w, 0x40), f(w, 0x80), f(w, 0x100), f(w, 0x200), f(w, 0x400), f(w, 0x800));
        w = w(where + 18);
        int staSpeed = w & 0xF;
        int staWidth = (w >> 4) & 0x3F;
        pf("\t\tLnkSta:\tSpeed %s%s, Width x%d%s\n", linkSpeed(staSpeed), linkCompare(staSpeed, capSpeed), staWidth,
                linkCompare(staWidth, capWidth));
        pf("\t\t\tTrErr%c Train%c SlotClk%c DLActive%c BWMgmt%c ABWMgmt%c\n", f(w, 0x400), f(w, 0x800),
                f(w, 0x1000), f(w, 0x2000), f(w, 0x4000), f(w, 0x8000));
    }

    private static String timeoutRange(int v) {
        return switch (v) {
            case 0 -> "Not Supported";
            case 1 -> "Range A";
            case 2 -> "Range B";
            case 3 -> "Range AB";
            case 6 -> "Range BC";
            case 7 -> "Range ABC";
            case 14 -> "Range BCD";
            case 15 -> "Range ABCD";
            default -> "Unknown";
        };
    }

    private static String timeoutValue(int v) {
        return switch (v) {
            case 0 -> "50us to 50ms";
            case 1 -> "50us to 100us";
            case 2 -> "1ms to 10ms";
            case 5 -> "16ms to 55ms";
            case 6 -> "65ms to 210ms";
            case 9 -> "260ms to 900ms";
            case 10 -> "1s to 3.5s";
            case 13 -> "4s to 13s";
            case 14 -> "17s to 64s";
            default -> "Unknown";
        };
    }

    private boolean hasMemoryBar() {
        for (int i = 0; i < 6; i++) {
            int v = l(BAR0 + 4 * i);
            if (v != 0 && v != -1 && (v & 1) == 0) {
                return true;
            }
        }
        return false;
    }

    private void expressDev2(int where, int type) {
        int l = l(where + 36);
        pf("\t\tDevCap2: Completion Timeout: %s, TimeoutDis%c NROPrPrP%c LTR%c", timeoutRange(l & 0xF), f(l, 0x10),
                f(l, 0x400), f(l, 0x800));
        String[] obff = {"Not Supported", "Via message", "Via WAKE#", "Via message/WAKE#"};
        pf("\n\t\t\t 10BitTagComp%c 10BitTagReq%c OBFF %s, ExtFmt%c EETLPPrefix%c", f(l, 1 << 16), f(l, 1 << 17),
                obff[(l >> 18) & 3], f(l, 1 << 20), f(l, 1 << 21));
        if ((l & (1 << 21)) != 0) {
            int mee = (l >> 22) & 3;
            pf(", MaxEETLPPrefixes %d", mee != 0 ? mee : 4);
        }
        String[] epr = {"Not Supported", "Dev Specific", "Form Factor Dev Specific", "Reserved"};
        pf("\n\t\t\t EmergencyPowerReduction %s, EmergencyPowerReductionInit%c", epr[(l >> 24) & 3], f(l, 1 << 26));
        pf("\n\t\t\t FRS%c", f(l, 1L << 31));
        if (type == 4) {
            String[] cls = {"Not Supported", "64byte cachelines", "128byte cachelines", "Reserved"};
            pf(" LN System CLS %s,", cls[(l >> 14) & 3]);
        }
        if (type == 4 || type == T_ENDPOINT) {
            String[] tph = {"TPHComp- ExtTPHComp-", "TPHComp+ ExtTPHComp-", "", "TPHComp+ ExtTPHComp+"};
            pf(" %s", tph[(l >> 12) & 3]);
        }
        if (type == 4 || type == 6) {
            pf(" ARIFwd%c\n", f(l, 0x20));
        } else {
            p("\n");
        }
        boolean memBar = hasMemoryBar();
        if (type == 4 || type == 5 || type == 6 || memBar) {
            p("\t\t\t AtomicOpsCap:");
            if (type == 4 || type == 5 || type == 6) {
                pf(" Routing%c", f(l, 0x40));
            }
            if (type == 4 || memBar) {
                pf(" 32bit%c 64bit%c 128bitCAS%c", f(l, 0x80), f(l, 0x100), f(l, 0x200));
            }
            p("\n");
        }
        int w = w(where + 40);
        String[] obffCtl = {"Disabled", "Via message A", "Via message B", "Via WAKE#"};
        pf("\t\tDevCtl2: Completion Timeout: %s, TimeoutDis%c LTR%c 10BitTagReq%c OBFF %s,", timeoutValue(w & 0xF),
                f(w, 0x10), f(w, 0x400), f(w, 0x1000), obffCtl[(w >> 13) & 3]);
        if (type == 4 || type == 6) {
            pf(" ARIFwd%c\n", f(w, 0x20));
        } else {
            p("\n");
        }
        if (type == 4 || type == 5 || type == 6 || type == T_ENDPOINT || type == T_ROOT_INT_EP || type == T_LEG_END) {
            p("\t\t\t AtomicOpsCtl:");
            if (type == 4 || type == T_ENDPOINT || type == T_ROOT_INT_EP || type == T_LEG_END) {
                pf(" ReqEn%c", f(w, 0x40));
            }
            if (type == 4 || type == 5 || type == 6) {
                pf(" EgressBlck%c", f(w, 0x80));
            }
            p("\n");
        }
    }

    private static String speedCap(int vector) {
        if ((vector & 0x60) != 0) {
            return "RsvdP";
        }
        if ((vector & 0x10) != 0) {
            return "2.5-32GT/s";
        }
        if ((vector & 0x08) != 0) {
            return "2.5-16GT/s";
        }
        if ((vector & 0x04) != 0) {
            return "2.5-8GT/s";
        }
        if ((vector & 0x02) != 0) {
            return "2.5-5GT/s";
        }
        if ((vector & 0x01) != 0) {
            return "2.5GT/s";
        }
        return "Unknown";
    }

    private static String deemphasis(int v) {
        return v == 0 ? "-6dB" : v == 1 ? "-3.5dB" : "Unknown";
    }

    private static String preset(int v) {
        return switch (v) {
            case 0 -> "-6dB de-emphasis, 0dB preshoot";
            case 1 -> "-3.5dB de-emphasis, 0dB preshoot";
            case 2 -> "-4.4dB de-emphasis, 0dB preshoot";
            case 3 -> "-2.5dB de-emphasis, 0dB preshoot";
            case 4 -> "0dB de-emphasis, 0dB preshoot";
            case 5 -> "0dB de-emphasis, 1.9dB preshoot";
            case 6 -> "0dB de-emphasis, 2.5dB preshoot";
            case 7 -> "-6.0dB de-emphasis, 3.5dB preshoot";
            case 8 -> "-3.5dB de-emphasis, 3.5dB preshoot";
            case 9 -> "0dB de-emphasis, 3.5dB preshoot";
            default -> "Unknown";
        };
    }

    private static String margin(int v) {
        return switch (v) {
            case 0 -> "Normal Operating Range";
            case 1 -> "800-1200mV(full-swing)/400-700mV(half-swing)";
            case 2, 3, 4, 5 -> "200-400mV(full-swing)/100-200mV(half-swing)";
            default -> "Unknown";
        };
    }

    private void expressLink2(int where, int type) {
        // Link Capabilities/Control 2 are shown for function 0 only (we always decode as function 0).
        int l = l(where + 44);
        if (l != 0) {
            pf("\t\tLnkCap2: Supported Link Speeds: %s, Crosslink%c Retimer%c 2Retimers%c DRS%c\n",
                    speedCap((l >> 1) & 0x7F), f(l, 0x100), f(l, 1 << 23), f(l, 1 << 24), f(l, 1L << 31));
        }
        int w = w(where + 48);
        int target = w & 0xF;
        pf("\t\tLnkCtl2: Target Link Speed: %s, EnterCompliance%c SpeedDis%c",
                target == 0 ? "2.5GT/s" : linkSpeed(target).replace("unknown", "Unknown"), f(w, 0x10), f(w, 0x20));
        if (type == 6) {
            pf(", Selectable De-emphasis: %s", deemphasis((w >> 6) & 1));
        }
        pf("\n\t\t\t Transmit Margin: %s, EnterModifiedCompliance%c ComplianceSOS%c\n", margin((w >> 7) & 7),
                f(w, 0x400), f(w, 0x800));
        pf("\t\t\t Compliance Preset/De-emphasis: %s\n", preset((w >> 12) & 0xF));
        w = w(where + 50);
        String[] crosslink = {"unsupported", "Upstream Port", "Downstream Port", "incomplete"};
        pf("\t\tLnkSta2: Current De-emphasis Level: %s, EqualizationComplete%c EqualizationPhase1%c\n",
                deemphasis(w & 1), f(w, 2), f(w, 4));
        pf("\t\t\t EqualizationPhase2%c EqualizationPhase3%c LinkEqualizationRequest%c\n", f(w, 8), f(w, 0x10),
                f(w, 0x20));
        pf("\t\t\t Retimer%c 2Retimers%c CrosslinkRes: %s\n", f(w, 0x40), f(w, 0x80), crosslink[(w >> 8) & 3]);
    }

    // ------------------------------------------------------------------ extended capabilities

    private void extendedCapabilities() {
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
                case EXT_CAP_ID_DSN -> pf("Device Serial Number %02x-%02x-%02x-%02x-%02x-%02x-%02x-%02x\n",
                        b(where + 11), b(where + 10), b(where + 9), b(where + 8), b(where + 7), b(where + 6),
                        b(where + 5), b(where + 4));
                case EXT_CAP_ID_PWR -> p("Power Budgeting <?>\n");
                case EXT_CAP_ID_VNDR -> {
                    int h = l(where + 4);
                    pf("Vendor Specific Information: ID=%04x Rev=%d Len=%03x <?>\n", h & 0xFFFF, (h >> 16) & 0xF,
                            h >>> 20);
                }
                case EXT_CAP_ID_LTR -> {
                    p("Latency Tolerance Reporting\n");
                    pf("\t\tMax snoop latency: %dns\n", ltr(w(where + 4)));
                    pf("\t\tMax no snoop latency: %dns\n", ltr(w(where + 6)));
                }
                case EXT_CAP_ID_DVSEC -> {
                    int h = l(where + 4);
                    pf("Designated Vendor-Specific: Vendor=%04x ID=%04x Rev=%d Len=%d <?>\n", h & 0xFFFF,
                            w(where + 8), (h >> 16) & 0xF, h >>> 20);
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
        String ue = "\t\t%s:\tDLP%c SDES%c TLP%c FCP%c CmpltTO%c CmpltAbrt%c UnxCmplt%c RxOF%c MalfTLP%c ECRC%c UnsupReq%c ACSViol%c\n";
        String[] names = {"UESta", "UEMsk", "UESvrt"};
        for (int i = 0; i < 3; i++) {
            int l = l(where + 4 + 4 * i);
            pf(ue, names[i], f(l, 0x10), f(l, 0x20), f(l, 0x1000), f(l, 0x2000), f(l, 0x4000), f(l, 0x8000),
                    f(l, 0x10000), f(l, 0x20000), f(l, 0x40000), f(l, 0x80000), f(l, 0x100000), f(l, 0x200000));
        }
        String ce = "\t\t%s:\tRxErr%c BadTLP%c BadDLLP%c Rollover%c Timeout%c AdvNonFatalErr%c\n";
        int l = l(where + 16);
        pf(ce, "CESta", f(l, 1), f(l, 0x40), f(l, 0x80), f(l, 0x100), f(l, 0x1000), f(l, 0x2000));
        l = l(where + 20);
        pf(ce, "CEMsk", f(l, 1), f(l, 0x40), f(l, 0x80), f(l, 0x100), f(l, 0x1000), f(l, 0x2000));
        l = l(where + 24);
        pf("\t\tAERCap:\tFirst Error Pointer: %02x, ECRCGenCap%c ECRCGenEn%c ECRCChkCap%c ECRCChkEn%c\n", l & 0x1F,
                f(l, 0x20), f(l, 0x40), f(l, 0x80), f(l, 0x100));
        pf("\t\t\tMultHdrRecCap%c MultHdrRecEn%c TLPPfxPres%c HdrLogCap%c\n", f(l, 0x200), f(l, 0x400), f(l, 0x800),
                f(l, 0x1000));
        pf("\t\tHeaderLog: %08x %08x %08x %08x\n", l(where + 28), l(where + 32), l(where + 36), l(where + 40));
    }
}
