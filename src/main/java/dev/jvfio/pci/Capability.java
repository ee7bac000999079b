package dev.jvfio.pci;

/**
 * A capability in the standard list (0x40..0xFF), declared by value and laid out by the builder,
 * which fills in the next pointers (PCI-3.1). Each declaration writes its registers' power-on values;
 * the guest-writable bits are derived by the PCI core from the laid-out space, so a template from a
 * dump gets the same. Declared by name: {@code PowerManagement.noSoftReset()},
 * {@code Msi.vectors(4).perVectorMasking().address64()},
 * {@code Msix.vectors(4).table(0, 0x3000).pba(0, 0x3800)}, {@code PciExpress.endpoint()}.
 */
public sealed interface Capability {

    int id();

    /** Bytes the capability occupies (a multiple of 4 once placed). */
    int length();

    /** Writes the registers after the 2-byte id/next header at {@code at}. */
    void writeBody(ConfigSpace cs, int at);

    /**
     * Power Management, version 3 (PCI-3.2). D0 and D3hot are always supported; whether going from
     * D3hot back to D0 keeps the function's state (No_Soft_Reset, PCI-3.8) is chosen by name:
     * {@link #noSoftReset()} (the H100 sets it) or {@link #softReset()}.
     */
    final class PowerManagement implements Capability {
        private final boolean noSoftReset;

        private PowerManagement(boolean noSoftReset) {
            this.noSoftReset = noSoftReset;
        }

        /**
         * D3hot to D0 keeps the function's state (PMCSR No_Soft_Reset set).
         *
         * @return the capability
         */
        public static PowerManagement noSoftReset() {
            return new PowerManagement(true);
        }

        /**
         * D3hot to D0 resets the function (PMCSR No_Soft_Reset clear, PCI-3.8).
         *
         * @return the capability
         */
        public static PowerManagement softReset() {
            return new PowerManagement(false);
        }

        @Override
        public int id() {
            return PciHeader.CAP_ID_PM;
        }

        @Override
        public int length() {
            return 8;
        }

        @Override
        public void writeBody(ConfigSpace cs, int at) {
            cs.set16(at + 2, 0x0003); // PMC: version 3, no D1/D2, no PME
            cs.set16(at + 4, noSoftReset ? 0x0008 : 0); // PMCSR: D0, NoSoftRst
        }
    }

    /**
     * MSI (PCI-3.3): {@code Msi.vectors(4).perVectorMasking().address64()}. The vector count is a
     * power of two 1..32; without the two refinements the capability has 32-bit addresses and no
     * mask bits.
     */
    final class Msi implements Capability {
        private final int vectors;
        private final boolean address64;
        private final boolean perVectorMask;

        private Msi(int vectors, boolean address64, boolean perVectorMask) {
            if (vectors < 1 || vectors > 32 || Integer.bitCount(vectors) != 1) {
                throw new IllegalArgumentException("MSI vectors must be 1,2,4,8,16 or 32: " + vectors);
            }
            this.vectors = vectors;
            this.address64 = address64;
            this.perVectorMask = perVectorMask;
        }

        /**
         * MSI with {@code count} vectors, 32-bit message addresses, no per-vector masking.
         *
         * @param count 1, 2, 4, 8, 16 or 32
         * @return the capability
         */
        public static Msi vectors(int count) {
            return new Msi(count, false, false);
        }

        /**
         * This capability with 64-bit message addresses.
         *
         * @return the capability
         */
        public Msi address64() {
            return new Msi(vectors, true, perVectorMask);
        }

        /**
         * This capability with mask and pending bits per vector.
         *
         * @return the capability
         */
        public Msi perVectorMasking() {
            return new Msi(vectors, address64, true);
        }

        /** The vectors the function is capable of. */
        public int vectorCount() {
            return vectors;
        }

        /** Whether message addresses are 64-bit. */
        public boolean hasAddress64() {
            return address64;
        }

        /** Whether each vector has a mask and a pending bit. */
        public boolean hasPerVectorMasking() {
            return perVectorMask;
        }

        @Override
        public int id() {
            return PciHeader.CAP_ID_MSI;
        }

        @Override
        public int length() {
            return 12 + (address64 ? 4 : 0) + (perVectorMask ? 8 : 0);
        }

        @Override
        public void writeBody(ConfigSpace cs, int at) {
            int mmc = Integer.numberOfTrailingZeros(vectors);
            cs.set16(at + 2, mmc << 1 | (address64 ? 1 << 7 : 0) | (perVectorMask ? 1 << 8 : 0));
        }
    }

    /**
     * MSI-X (PCI-3.4): {@code Msix.vectors(4).table(bar, offset).pba(bar, offset)}: 1..2048 vectors,
     * table and PBA in memory BARs at 8-byte aligned offsets. Without {@link #pba} the PBA follows
     * the table in the table's BAR. The PCI core serves both; they never reach the BAR's backing.
     */
    final class Msix implements Capability {
        /** The MSI-X capability a config space holds at {@code at}, read back from its registers. */
        static Msix at(ConfigSpace config, int at) {
            int ctrl = config.read16(at + 2);
            int table = config.read32(at + 4);
            int pba = config.read32(at + 8);
            return vectors((ctrl & 0x7FF) + 1).table(table & 7, table & ~7).pba(pba & 7, pba & ~7);
        }

        private final int tableSize;
        private final int tableBar;
        private final int tableOffset;
        private final int pbaBar;
        private final int pbaOffset;

        private Msix(int tableSize, int tableBar, int tableOffset, int pbaBar, int pbaOffset) {
            if ((tableOffset & 7) != 0
                    || (pbaOffset & 7) != 0
                    || tableBar < 0
                    || tableBar > 5
                    || pbaBar < 0
                    || pbaBar > 5) {
                throw new IllegalArgumentException("MSI-X table/PBA must be 8-byte aligned in BARs 0..5");
            }
            this.tableSize = tableSize;
            this.tableBar = tableBar;
            this.tableOffset = tableOffset;
            this.pbaBar = pbaBar;
            this.pbaOffset = pbaOffset;
        }

        /**
         * The first step of an MSI-X declaration: how many vectors; {@link Vectors#table} places the table.
         *
         * @param count 1..2048
         * @return the vector count, waiting for its table
         */
        public static Vectors vectors(int count) {
            if (count < 1 || count > 2048) {
                throw new IllegalArgumentException("MSI-X table size must be 1..2048: " + count);
            }
            return new Vectors(count);
        }

        /** An MSI-X vector count whose table is not placed yet. */
        public static final class Vectors {
            private final int count;

            private Vectors(int count) {
                this.count = count;
            }

            /**
             * Places the table at {@code offset} in BAR {@code bar}, the PBA right after it.
             *
             * @param bar the BAR index (BIR) 0..5
             * @param offset 8-byte aligned offset in that BAR
             * @return the capability
             */
            public Msix table(int bar, int offset) {
                return new Msix(count, bar, offset, bar, offset + count * 16);
            }
        }

        /**
         * This capability with its pending-bit array at {@code offset} in BAR {@code bar}.
         *
         * @param bar the BAR index (BIR) 0..5
         * @param offset 8-byte aligned offset in that BAR
         * @return the capability
         */
        public Msix pba(int bar, int offset) {
            return new Msix(tableSize, tableBar, tableOffset, bar, offset);
        }

        /** The number of vectors (table entries). */
        public int tableSize() {
            return tableSize;
        }

        public int tableBar() {
            return tableBar;
        }

        public int tableOffset() {
            return tableOffset;
        }

        public int pbaBar() {
            return pbaBar;
        }

        public int pbaOffset() {
            return pbaOffset;
        }

        @Override
        public int id() {
            return PciHeader.CAP_ID_MSIX;
        }

        @Override
        public int length() {
            return 12;
        }

        @Override
        public void writeBody(ConfigSpace cs, int at) {
            cs.set16(at + 2, tableSize - 1);
            cs.set32(at + 4, tableOffset | tableBar);
            cs.set32(at + 8, pbaOffset | pbaBar);
        }

        /** Bytes of the table: 16 per vector. */
        public int tableBytes() {
            return tableSize * 16;
        }

        /** Bytes of the PBA: one bit per vector, in whole quadwords. */
        public int pbaBytes() {
            return ((tableSize + 63) / 64) * 8;
        }
    }

    /**
     * PCI Express capability, version 2, endpoint (PCI-3.5): {@link #endpoint()} declares Function
     * Level Reset through DEVCTL bit 15, a 256-byte max payload and a 32 GT/s x16 link.
     */
    final class PciExpress implements Capability {
        private final int maxPayloadBytes;
        private final boolean flr;
        private final int speedGen;
        private final int width;

        private PciExpress(int maxPayloadBytes, boolean flr, int speedGen, int width) {
            this.maxPayloadBytes = maxPayloadBytes;
            this.flr = flr;
            this.speedGen = speedGen;
            this.width = width;
        }

        /**
         * An endpoint with FLR, max payload 256 bytes, link gen 5 (32 GT/s) x16.
         *
         * @return the capability
         */
        public static PciExpress endpoint() {
            return new PciExpress(256, true, 5, 16);
        }

        @Override
        public int id() {
            return PciHeader.CAP_ID_EXP;
        }

        @Override
        public int length() {
            return 0x3C;
        }

        @Override
        public void writeBody(ConfigSpace cs, int at) {
            cs.set16(at + 2, 0x0002); // version 2, endpoint
            int mps = Integer.numberOfTrailingZeros(maxPayloadBytes) - 7;
            cs.set32(at + 4, mps | 1 << 5 | 1 << 15 | (flr ? 1 << 28 : 0)); // ExtTag, RBE, FLR
            cs.set16(at + 8, 0x2810); // RlxdOrd, NoSnoop, MRRS 512
            cs.set32(at + 12, speedGen | width << 4 | 2 << 10); // ASPM L1 supported, port 0
            cs.set16(at + 18, speedGen | width << 4 | 1 << 12); // current speed/width, SlotClk
            cs.set32(at + 36, 0x10 | 1 << 11); // timeout disable, LTR
            int speeds = 0;
            for (int g = 1; g <= speedGen; g++) {
                speeds |= 1 << g;
            }
            cs.set32(at + 44, speeds); // supported link speeds vector
            cs.set16(at + 48, speedGen); // target link speed
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

        @Override
        public int id() {
            return PciHeader.CAP_ID_VNDR;
        }

        @Override
        public int length() {
            return 3 + payload.length;
        }

        @Override
        public void writeBody(ConfigSpace cs, int at) {
            cs.set8(at + 2, length());
            cs.set(at + 3, payload);
        }
    }
}
