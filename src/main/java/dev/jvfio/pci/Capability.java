package dev.jvfio.pci;

/**
 * A capability in the standard list (0x40..0xFF), declared by value and laid out by the builder,
 * which fills in the next pointers (PCI-3.1). Each record writes its registers' power-on values;
 * the guest-writable bits come from {@link CapabilityMasks}, so a template from a dump gets the same.
 */
public sealed interface Capability {

    int id();

    /** Bytes the capability occupies (a multiple of 4 once placed). */
    int length();

    /** Writes the registers after the 2-byte id/next header at {@code at}. */
    void writeBody(ConfigSpace cs, int at);

    /**
     * Power Management, version 3 (PCI-3.2). D0 and D3hot are always supported; {@code noSoftReset}
     * says that D3hot to D0 keeps the function's state (the H100 sets it).
     */
    record PowerManagement(boolean noSoftReset) implements Capability {
        public int id() {
            return PciHeader.CAP_ID_PM;
        }

        public int length() {
            return 8;
        }

        public void writeBody(ConfigSpace cs, int at) {
            cs.set16(at + 2, 0x0003);                         // PMC: version 3, no D1/D2, no PME
            cs.set16(at + 4, noSoftReset ? 0x0008 : 0);      // PMCSR: D0, NoSoftRst
        }
    }

    /**
     * MSI (PCI-3.3): {@code vectors} a power of two 1..32, 64-bit addresses or not, per-vector masking or not.
     */
    record Msi(int vectors, boolean address64, boolean perVectorMask) implements Capability {
        public Msi {
            if (vectors < 1 || vectors > 32 || Integer.bitCount(vectors) != 1) {
                throw new IllegalArgumentException("MSI vectors must be 1,2,4,8,16 or 32: " + vectors);
            }
        }

        public int id() {
            return PciHeader.CAP_ID_MSI;
        }

        public int length() {
            return 12 + (address64 ? 4 : 0) + (perVectorMask ? 8 : 0);
        }

        public void writeBody(ConfigSpace cs, int at) {
            int mmc = Integer.numberOfTrailingZeros(vectors);
            cs.set16(at + 2, mmc << 1 | (address64 ? 1 << 7 : 0) | (perVectorMask ? 1 << 8 : 0));
        }
    }

    /**
     * MSI-X (PCI-3.4): {@code tableSize} vectors (1..2048); table and PBA in BARs at 8-byte aligned offsets.
     */
    record Msix(int tableSize, int tableBar, int tableOffset, int pbaBar, int pbaOffset) implements Capability {
        public Msix {
            if (tableSize < 1 || tableSize > 2048) {
                throw new IllegalArgumentException("MSI-X table size must be 1..2048: " + tableSize);
            }
            if ((tableOffset & 7) != 0 || (pbaOffset & 7) != 0 || tableBar < 0 || tableBar > 5 || pbaBar < 0
                    || pbaBar > 5) {
                throw new IllegalArgumentException("MSI-X table/PBA must be 8-byte aligned in BARs 0..5");
            }
        }

        public int id() {
            return PciHeader.CAP_ID_MSIX;
        }

        public int length() {
            return 12;
        }

        public void writeBody(ConfigSpace cs, int at) {
            cs.set16(at + 2, tableSize - 1);
            cs.set32(at + 4, tableOffset | tableBar);
            cs.set32(at + 8, pbaOffset | pbaBar);
        }

        public int tableBytes() {
            return tableSize * 16;
        }

        public int pbaBytes() {
            return ((tableSize + 63) / 64) * 8;
        }
    }

    /**
     * PCI Express capability, version 2, endpoint (PCI-3.5): Function Level Reset through DEVCTL bit 15
     * when {@code flr}; link {@code speedGen} (1 = 2.5 GT/s .. 5 = 32 GT/s) and {@code width} lanes.
     */
    record PciExpress(int maxPayloadBytes, boolean flr, int speedGen, int width) implements Capability {
        public PciExpress {
            if (Integer.bitCount(maxPayloadBytes) != 1 || maxPayloadBytes < 128 || maxPayloadBytes > 4096) {
                throw new IllegalArgumentException("max payload 128..4096: " + maxPayloadBytes);
            }
            if (speedGen < 1 || speedGen > 6 || width < 1 || width > 32) {
                throw new IllegalArgumentException("bad link speed/width");
            }
        }

        public static PciExpress endpoint() {
            return new PciExpress(256, true, 5, 16);
        }

        public int id() {
            return PciHeader.CAP_ID_EXP;
        }

        public int length() {
            return 0x3C;
        }

        public void writeBody(ConfigSpace cs, int at) {
            cs.set16(at + 2, 0x0002);                                   // version 2, endpoint
            int mps = Integer.numberOfTrailingZeros(maxPayloadBytes) - 7;
            cs.set32(at + 4, mps | 1 << 5 | 1 << 15 | (flr ? 1 << 28 : 0)); // ExtTag, RBE, FLR
            cs.set16(at + 8, 0x2810);                                   // RlxdOrd, NoSnoop, MRRS 512
            cs.set32(at + 12, speedGen | width << 4 | 2 << 10);          // ASPM L1 supported, port 0
            cs.set16(at + 18, speedGen | width << 4 | 1 << 12);          // current speed/width, SlotClk
            cs.set32(at + 36, 0x10 | 1 << 11);                          // timeout disable, LTR
            int speeds = 0;
            for (int g = 1; g <= speedGen; g++) {
                speeds |= 1 << g;
            }
            cs.set32(at + 44, speeds);                                  // supported link speeds vector
            cs.set16(at + 48, speedGen);                                // target link speed
        }
    }

    /** A vendor-specific capability (id 9): length byte then the payload. */
    record VendorSpecific(byte[] payload) implements Capability {
        public VendorSpecific {
            payload = payload.clone();
            if (payload.length > 253) {
                throw new IllegalArgumentException("vendor capability too long");
            }
        }

        public int id() {
            return PciHeader.CAP_ID_VNDR;
        }

        public int length() {
            return 3 + payload.length;
        }

        public void writeBody(ConfigSpace cs, int at) {
            cs.set8(at + 2, length());
            cs.set(at + 3, payload);
        }
    }
}
