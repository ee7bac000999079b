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

        public int id() {
            return PciHeader.EXT_CAP_ID_DVSEC;
        }

        public int version() {
            return 1;
        }

        public int length() {
            return 10 + payload.length;
        }

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
        public int id() {
            return PciHeader.EXT_CAP_ID_DSN;
        }

        public int version() {
            return 1;
        }

        public int length() {
            return 12;
        }

        public void writeBody(ConfigSpace cs, int at) {
            cs.set32(at + 4, (int) serial);
            cs.set32(at + 8, (int) (serial >>> 32));
        }
    }

    /** Any other extended capability, given as id, version and the bytes after the header (read-only). */
    record Raw(int id, int version, byte[] body) implements ExtendedCapability {
        public Raw {
            body = body.clone();
        }

        public int length() {
            return 4 + body.length;
        }

        public void writeBody(ConfigSpace cs, int at) {
            cs.set(at + 4, body);
        }
    }
}
