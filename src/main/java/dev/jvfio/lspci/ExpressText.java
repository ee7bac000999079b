package dev.jvfio.lspci;

import static dev.jvfio.pci.PciHeader.*;

import java.math.BigDecimal;

/**
 * Prints the PCI Express capability the way {@code lspci -vvv} does (PCI-8.1; pciutils'
 * {@code ls-caps.c} cap_express): device, link, device 2 and link 2 registers of endpoints, legacy
 * endpoints and root-complex integrated endpoints, and the port types' headlines. One capability, one
 * file: its four register groups share the port-type rules that decide which fields pciutils prints.
 */
final class ExpressText extends LspciText {
    private static final int T_ENDPOINT = 0;
    private static final int T_LEG_END = 1;
    private static final int T_ROOT_INT_EP = 9;
    private static final int T_ROOT_EC = 10;

    ExpressText(LspciText shared) {
        super(shared);
    }

    void express(int where, int cap) {
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
        pf(
                "\t\t\tRlxdOrd%c ExtTag%c PhantFunc%c AuxPwr%c NoSnoop%c",
                f(w, 0x10), f(w, 0x100), f(w, 0x200), f(w, 0x400), f(w, 0x800));
        if (type == 7) {
            pf(" BrConfRtry%c", f(w, 0x8000));
        }
        if (ep && (t & (1 << 28)) != 0) {
            pf(" FLReset%c", f(w, 0x8000));
        }
        pf("\n\t\t\tMaxPayload %d bytes, MaxReadReq %d bytes\n", 128 << ((w >> 5) & 7), 128 << ((w >> 12) & 7));
        w = w(where + 10);
        pf(
                "\t\tDevSta:\tCorrErr%c NonFatalErr%c FatalErr%c UnsupReq%c AuxPwr%c TransPend%c\n",
                f(w, 1), f(w, 2), f(w, 4), f(w, 8), f(w, 0x10), f(w, 0x20));
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
        pf(
                "\t\tLnkCap:\tPort #%d, Speed %s, Width x%d, ASPM %s",
                t >>> 24, linkSpeed(capSpeed), capWidth, support[aspm]);
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
        pf(
                "\t\t\tClockPM%c Surprise%c LLActRep%c BwNot%c ASPMOptComp%c\n",
                f(t, 1 << 18), f(t, 1 << 19), f(t, 1 << 20), f(t, 1 << 21), f(t, 1 << 22));
        int w = w(where + 16);
        String[] enabled = {"Disabled", "L0s Enabled", "L1 Enabled", "L0s L1 Enabled"};
        pf("\t\tLnkCtl:\tASPM %s;", enabled[w & 3]);
        if (type == 4 || type == T_ENDPOINT || type == T_LEG_END || type == 7) {
            pf(" RCB %d bytes,", (w & 8) != 0 ? 128 : 64);
        }
        pf(
                " Disabled%c CommClk%c\n\t\t\tExtSynch%c ClockPM%c AutWidDis%c BWInt%c AutBWInt%c\n",
                f(w, 0x10), f(w, 0x40), f(w, 0x80), f(w, 0x100), f(w, 0x200), f(w, 0x400), f(w, 0x800));
        w = w(where + 18);
        int staSpeed = w & 0xF;
        int staWidth = (w >> 4) & 0x3F;
        pf(
                "\t\tLnkSta:\tSpeed %s%s, Width x%d%s\n",
                linkSpeed(staSpeed), linkCompare(staSpeed, capSpeed), staWidth, linkCompare(staWidth, capWidth));
        pf(
                "\t\t\tTrErr%c Train%c SlotClk%c DLActive%c BWMgmt%c ABWMgmt%c\n",
                f(w, 0x400), f(w, 0x800), f(w, 0x1000), f(w, 0x2000), f(w, 0x4000), f(w, 0x8000));
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
        pf(
                "\t\tDevCap2: Completion Timeout: %s, TimeoutDis%c NROPrPrP%c LTR%c",
                timeoutRange(l & 0xF), f(l, 0x10), f(l, 0x400), f(l, 0x800));
        String[] obff = {"Not Supported", "Via message", "Via WAKE#", "Via message/WAKE#"};
        pf(
                "\n\t\t\t 10BitTagComp%c 10BitTagReq%c OBFF %s, ExtFmt%c EETLPPrefix%c",
                f(l, 1 << 16), f(l, 1 << 17), obff[(l >> 18) & 3], f(l, 1 << 20), f(l, 1 << 21));
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
        pf(
                "\t\tDevCtl2: Completion Timeout: %s, TimeoutDis%c LTR%c 10BitTagReq%c OBFF %s,",
                timeoutValue(w & 0xF), f(w, 0x10), f(w, 0x400), f(w, 0x1000), obffCtl[(w >> 13) & 3]);
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
            pf(
                    "\t\tLnkCap2: Supported Link Speeds: %s, Crosslink%c Retimer%c 2Retimers%c DRS%c\n",
                    speedCap((l >> 1) & 0x7F), f(l, 0x100), f(l, 1 << 23), f(l, 1 << 24), f(l, 1L << 31));
        }
        int w = w(where + 48);
        int target = w & 0xF;
        pf(
                "\t\tLnkCtl2: Target Link Speed: %s, EnterCompliance%c SpeedDis%c",
                target == 0 ? "2.5GT/s" : linkSpeed(target).replace("unknown", "Unknown"), f(w, 0x10), f(w, 0x20));
        if (type == 6) {
            pf(", Selectable De-emphasis: %s", deemphasis((w >> 6) & 1));
        }
        pf(
                "\n\t\t\t Transmit Margin: %s, EnterModifiedCompliance%c ComplianceSOS%c\n",
                margin((w >> 7) & 7), f(w, 0x400), f(w, 0x800));
        pf("\t\t\t Compliance Preset/De-emphasis: %s\n", preset((w >> 12) & 0xF));
        w = w(where + 50);
        String[] crosslink = {"unsupported", "Upstream Port", "Downstream Port", "incomplete"};
        pf(
                "\t\tLnkSta2: Current De-emphasis Level: %s, EqualizationComplete%c EqualizationPhase1%c\n",
                deemphasis(w & 1), f(w, 2), f(w, 4));
        pf(
                "\t\t\t EqualizationPhase2%c EqualizationPhase3%c LinkEqualizationRequest%c\n",
                f(w, 8), f(w, 0x10), f(w, 0x20));
        pf("\t\t\t Retimer%c 2Retimers%c CrosslinkRes: %s\n", f(w, 0x40), f(w, 0x80), crosslink[(w >> 8) & 3]);
    }
}
