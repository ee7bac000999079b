package dev.jvfio.pci;

import java.util.Optional;

/**
 * A DVSEC found in a config space: where it is, its vendor/revision/id and its payload bytes
 * (everything after the 10-byte header, as read at the time of lookup).
 */
public record Dvsec(int offset, int vendor, int revision, int dvsecId, byte[] payload) {
    public Dvsec {
        payload = payload.clone();
    }

    @Override
    public byte[] payload() {
        return payload.clone();
    }

    /** The little-endian 16-bit word at {@code fromStart} bytes from the DVSEC start (NV-2.3 counts this way). */
    public int read16(int fromStart) {
        int i = fromStart - 10;
        return (payload[i] & 0xFF) | (payload[i + 1] & 0xFF) << 8;
    }

    /** Finds a DVSEC by vendor and id among the extended capabilities of cs. */
    public static Optional<Dvsec> find(ConfigSpace cs, int vendor, int id) {
        for (CapabilityMap.Entry e : CapabilityMap.scan(cs).extended(PciHeader.EXT_CAP_ID_DVSEC)) {
            int h1 = cs.read32(e.offset() + 4);
            int h2 = cs.read16(e.offset() + 8);
            if ((h1 & 0xFFFF) == vendor && h2 == id) {
                int len = h1 >>> 20;
                int payloadLen = Math.max(0, Math.min(len, cs.size() - e.offset()) - 10);
                byte[] p = new byte[payloadLen];
                cs.read(e.offset() + 10, p, 0, payloadLen);
                return Optional.of(new Dvsec(e.offset(), vendor, (h1 >>> 16) & 0xF, id, p));
            }
        }
        return Optional.empty();
    }
}
