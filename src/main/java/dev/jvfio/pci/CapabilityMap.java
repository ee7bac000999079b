package dev.jvfio.pci;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * Where each capability of a config space sits, found by walking the pointer chains like a driver does.
 * The walk is bounded (a hostile or corrupt template cannot loop it).
 */
public final class CapabilityMap {

    /** One capability: its id, offset, whether it is in the extended list, and (extended) its version. */
    public record Entry(int id, int offset, boolean extended, int version) {}

    private final List<Entry> entries;

    private CapabilityMap(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    public static CapabilityMap scan(ConfigSpace cs) {
        List<Entry> out = new ArrayList<>();
        if ((cs.read16(PciHeader.STATUS) & PciHeader.STATUS_CAP_LIST) != 0) {
            int at = cs.read8(PciHeader.CAPABILITY_LIST) & 0xFC;
            for (int n = 0; at >= 0x40 && n < 48; n++) {
                out.add(new Entry(cs.read8(at), at, false, 0));
                at = cs.read8(at + 1) & 0xFC;
            }
        }
        if (cs.isExtended()) {
            int at = PciHeader.EXT_CAP_START;
            for (int n = 0; at >= 0x100 && at <= cs.size() - 4 && n < 960; n++) {
                int header = cs.read32(at);
                if (header == 0 || header == -1) {
                    break;
                }
                out.add(new Entry(header & 0xFFFF, at, true, (header >>> 16) & 0xF));
                at = (header >>> 20) & 0xFFC;
            }
        }
        return new CapabilityMap(out);
    }

    public List<Entry> all() {
        return entries;
    }

    /** Offset of the first standard capability with this id. */
    public OptionalInt find(int id) {
        for (Entry e : entries) {
            if (!e.extended() && e.id() == id) {
                return OptionalInt.of(e.offset());
            }
        }
        return OptionalInt.empty();
    }

    /** Offset of the first extended capability with this id. */
    public OptionalInt findExtended(int id) {
        for (Entry e : entries) {
            if (e.extended() && e.id() == id) {
                return OptionalInt.of(e.offset());
            }
        }
        return OptionalInt.empty();
    }

    public List<Entry> extended(int id) {
        return entries.stream().filter(e -> e.extended() && e.id() == id).toList();
    }
}
