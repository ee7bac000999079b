package dev.jvfio.pci;

/**
 * A capability in the PCI Express extended list (from 0x100), laid out by the builder (PCI-3.6).
 */
public sealed interface ExtendedCapability {

    int id();

    int version();

    int length();

    /** Writes the registers after the 4-byte header at {@code at}. */
    void writeBody(ConfigSpace cs, int at);

    /**
     * Designated Vendor-Specific Extended Capability (id 0x23, PCI-3.7): header 1 carries the vendor,
     * revision and total length, header 2 the DVSEC id, then the payload. {@code writablePayload}
     * (same length as payload, or null) marks payload bits the guest may write.
     */
    record Dvsec(int vendor, int revision, int dvsecId, byte[] payload, byte[] writablePayload)
            implements ExtendedCapability {
        public Dvsec {
            payload = payload.clone();
            writablePayload = writablePayload == null ? null : writablePayload.clone();
            if (writablePayload != null && writablePayload.length != payload.length) {
                throw new IllegalArgumentException("payload mask length differs from payload");
            }
            if (10 + payload.length > 0xFFF) {
                throw new IllegalArgumentException("DVSEC too long");
            }
        }

        public Dvsec(int vendor, int dvsecId, byte[] payload) {
            this(vendor, 0, dvsecId, payload, null);
        }

        @Override
        public int id() {
            return PciHeader.EXT_CAP_ID_DVSEC;
        }

        @Override
        public int version() {
            return 1;
        }

        @Override
        public int length() {
            return 10 + payload.length;
        }

        @Override
        public void writeBody(ConfigSpace cs, int at) {
            cs.set32(at + 4, (vendor & 0xFFFF) | (revision & 0xF) << 16 | length() << 20);
            cs.set16(at + 8, dvsecId);
            cs.set(at + 10, payload);
            if (writablePayload != null) {
                for (int i = 0; i < writablePayload.length; i++) {
                    cs.setWritable(at + 10 + i, 1, writablePayload[i] & 0xFF);
                }
            }
        }
    }

    /** Device Serial Number (id 3). */
    record SerialNumber(long serial) implements ExtendedCapability {
        @Override
        public int id() {
            return PciHeader.EXT_CAP_ID_DSN;
        }

        @Override
        public int version() {
            return 1;
        }

        @Override
        public int length() {
            return 12;
        }

        @Override
        public void writeBody(ConfigSpace cs, int at) {
            cs.set32(at + 4, (int) serial);
            cs.set32(at + 8, (int) (serial >>> 32));
        }
    }

    /**
     * Advanced Error Reporting, version 2, endpoint layout (id 1, 0x48 bytes): the uncorrectable and
     * correctable error status (write 1 to clear), mask and severity registers, capabilities and
     * control, header log. Power-on values are a real H100's: UEMsk 0x00010000 (unexpected
     * completion masked), UESvrt 0x004EF030, CEMsk 0x0000F1C1, ECRC generation and check capable.
     * Status, mask, severity and the ECRC enables are sticky: a reset keeps them.
     */
    record Aer() implements ExtendedCapability {
        /** Offsets inside the capability. */
        public static final int UNCOR_STATUS = 0x04,
                UNCOR_MASK = 0x08,
                UNCOR_SEVERITY = 0x0C,
                COR_STATUS = 0x10,
                COR_MASK = 0x14,
                CAP_CONTROL = 0x18,
                HEADER_LOG = 0x1C;
        /** Uncorrectable error bits a function may report (DLP .. uncorrectable internal error). */
        public static final int UNCOR_BITS = 0x007F_F030;
        /** Uncorrectable Internal Error (bit 22): what a GPU's own failure reports. */
        public static final int UNCOR_INTERNAL = 1 << 22;

        public static final int COR_BITS = 0x0000_F1C1;

        @Override
        public int id() {
            return PciHeader.EXT_CAP_ID_ERR;
        }

        @Override
        public int version() {
            return 2;
        }

        @Override
        public int length() {
            return 0x48;
        }

        @Override
        public void writeBody(ConfigSpace cs, int at) {
            cs.set32(at + UNCOR_MASK, 0x0001_0000);
            cs.set32(at + UNCOR_SEVERITY, 0x004E_F030);
            cs.set32(at + COR_MASK, 0x0000_F1C1);
            cs.set32(at + CAP_CONTROL, 0xA0);
            cs.setW1c(at + UNCOR_STATUS, 4, UNCOR_BITS);
            cs.setW1c(at + COR_STATUS, 4, COR_BITS);
            cs.setWritable(at + UNCOR_MASK, 4, UNCOR_BITS);
            cs.setWritable(at + UNCOR_SEVERITY, 4, UNCOR_BITS);
            cs.setWritable(at + COR_MASK, 4, COR_BITS);
            cs.setWritable(at + CAP_CONTROL, 4, 0x140); // ECRC generation and check enable
            for (int reg : new int[] {UNCOR_STATUS, UNCOR_MASK, UNCOR_SEVERITY, COR_STATUS, COR_MASK, CAP_CONTROL}) {
                cs.setSticky(at + reg, 4, 0xFFFF_FFFFL);
            }
        }
    }

    /** Any other extended capability, given as id, version and the bytes after the header (read-only). */
    record Raw(int id, int version, byte[] body) implements ExtendedCapability {
        public Raw {
            body = body.clone();
        }

        @Override
        public int length() {
            return 4 + body.length;
        }

        @Override
        public void writeBody(ConfigSpace cs, int at) {
            cs.set(at + 4, body);
        }
    }
}
