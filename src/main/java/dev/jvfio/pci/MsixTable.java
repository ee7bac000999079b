package dev.jvfio.pci;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * The emulated MSI-X table (16 bytes per vector: address, data, vector control) and its Pending Bit
 * Array (PCI-3.4, PCI-6.4). Not thread-safe: {@link VfioPciDevice} guards it.
 *
 * <p>Vectors power up UNMASKED, unlike the spec's "masked at reset": QEMU emulates the MSI-X table
 * of a vfio-user device itself and never forwards table writes to the server, so a table that powered
 * up masked would never deliver an interrupt there. QEMU wins (CONTRACTS.md); other clients still see
 * masking and pending bits work once they write the vector-control word.
 */
final class MsixTable {
    private final int vectors;
    private final byte[] table;
    private final long[] pending;

    MsixTable(int vectors) {
        this.vectors = vectors;
        this.table = new byte[vectors * 16];
        this.pending = new long[(vectors + 63) / 64];
    }

    int vectors() {
        return vectors;
    }

    int tableBytes() {
        return table.length;
    }

    int pbaBytes() {
        return pending.length * 8;
    }

    boolean vectorMasked(int v) {
        return (table[v * 16 + 12] & 1) != 0;
    }

    boolean pending(int v) {
        return (pending[v >>> 6] & (1L << (v & 63))) != 0;
    }

    void setPending(int v, boolean on) {
        if (on) {
            pending[v >>> 6] |= 1L << (v & 63);
        } else {
            pending[v >>> 6] &= ~(1L << (v & 63));
        }
    }

    void readTable(int offset, MemorySegment dst) {
        MemorySegment.copy(MemorySegment.ofArray(table), offset, dst, 0, dst.byteSize());
    }

    /** Stores bytes into the table; reserved bits of vector control (bits 31:1) stay zero. */
    void writeTable(int offset, MemorySegment src) {
        for (int i = 0; i < src.byteSize(); i++) {
            int at = offset + i;
            byte b = src.get(ValueLayout.JAVA_BYTE, i);
            int field = at & 15;
            if (field >= 12) {
                b = field == 12 ? (byte) (b & 1) : 0;
            }
            table[at] = b;
        }
    }

    void readPba(int offset, MemorySegment dst) {
        for (int i = 0; i < dst.byteSize(); i++) {
            int at = offset + i;
            dst.set(ValueLayout.JAVA_BYTE, i, (byte) (pending[at >>> 3] >>> (8 * (at & 7))));
        }
    }

    /** The table's bytes (a copy), for a migration stream. */
    byte[] tableCopy() {
        return table.clone();
    }

    /** The PBA's words (a copy). */
    long[] pbaCopy() {
        return pending.clone();
    }

    /** Restores a migrated table and PBA of this table's size; bits past the last vector stay clear. */
    void restore(byte[] tableBytes, long[] pba) {
        System.arraycopy(tableBytes, 0, table, 0, table.length);
        for (int v = 0; v < vectors; v++) {
            table[v * 16 + 12] &= 1;
            table[v * 16 + 13] = 0;
            table[v * 16 + 14] = 0;
            table[v * 16 + 15] = 0;
        }
        System.arraycopy(pba, 0, pending, 0, pending.length);
        if ((vectors & 63) != 0) {
            pending[pending.length - 1] &= (1L << (vectors & 63)) - 1;
        }
    }

    void reset() {
        Arrays.fill(table, (byte) 0);
        Arrays.fill(pending, 0);
    }
}
