package dev.jvfio.lspci;

import static dev.jvfio.pci.PciHeader.*;

import dev.jvfio.device.Vfio;
import dev.jvfio.device.VfioException;
import dev.jvfio.pci.PciBar;
import dev.jvfio.pci.VfioPciDevice;

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
 *
 * <p>This file prints the header, the BARs and the ROM (pciutils' {@code lspci.c}); the capability
 * lists are printed by {@code CapabilityText}, {@code ExpressText} and {@code ExtendedCapabilityText}
 * ({@code ls-caps.c}, {@code ls-ecaps.c}).
 */
public final class ConfigDecoder extends LspciText {
    private final long[] barSizes;
    private final long romSize;

    private ConfigDecoder(byte[] config, long[] barSizes, long romSize) {
        super(config, new StringBuilder());
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
            rom = device.regionInfo(Vfio.PCI_ROM_REGION_INDEX).size();
        } catch (VfioException e) {
            // no ROM
        }
        return decode(slot, device.config().bytes(), sizes, rom);
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
        pf(
                "\tControl: I/O%c Mem%c BusMaster%c SpecCycle%c MemWINV%c VGASnoop%c ParErr%c Stepping%c SERR%c FastB2B%c DisINTx%c\n",
                f(cmd, 1),
                f(cmd, 2),
                f(cmd, 4),
                f(cmd, 8),
                f(cmd, 0x10),
                f(cmd, 0x20),
                f(cmd, 0x40),
                f(cmd, 0x80),
                f(cmd, 0x100),
                f(cmd, 0x200),
                f(cmd, 0x400));
        String devsel = switch (st & STATUS_DEVSEL_MASK) {
            case 0x000 -> "fast";
            case 0x200 -> "medium";
            case 0x400 -> "slow";
            default -> "??";
        };
        pf(
                "\tStatus: Cap%c 66MHz%c UDF%c FastB2B%c ParErr%c DEVSEL=%s >TAbort%c <TAbort%c <MAbort%c >SERR%c <PERR%c INTx%c\n",
                f(st, 0x10),
                f(st, 0x20),
                f(st, 0x40),
                f(st, 0x80),
                f(st, 0x100),
                devsel,
                f(st, 0x800),
                f(st, 0x1000),
                f(st, 0x2000),
                f(st, 0x4000),
                f(st, 0x8000),
                f(st, 0x8));
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
        if (new CapabilityText(this).list() && c.length > 256) {
            new ExtendedCapabilityText(this).list();
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
                pf(
                        " (%s, %sprefetchable)",
                        type == 0 ? "32-bit" : type == 4 ? "64-bit" : type == 2 ? "low-1M" : "type 3",
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
}
