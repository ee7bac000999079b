package dev.jvfio.pci;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * A PCI configuration space (256 bytes, or 4 KiB with the extended space) with per-bit
 * semantics, the way vfio-pci-core keeps its "vconfig" plus permission bits.
 *
 * <p>Every bit has four attributes, kept as byte masks of the same size as the space:
 * <ul>
 *   <li><b>writable</b> (RW): a guest write stores the written bit;</li>
 *   <li><b>write-1-to-clear</b> (W1C): a guest write of 1 clears the bit, 0 leaves it;</li>
 *   <li>neither: read-only for the guest; only the device model changes it ({@link #set32} and friends);</li>
 *   <li><b>virtualized</b>: the bit lives in this shadow. When a physical
 *       space is attached ({@code attachPhysical}) (a real or simulated function below the emulation), bits that are
 *       <em>not</em> virtualized are read from it and guest writes to them are forwarded to it.
 *       Without a physical space every bit is served from the shadow.</li>
 *   <li><b>sticky</b>: kept across a reset to power-on values (the spec's RWS/RW1CS bits).</li>
 * </ul>
 *
 * <p>Accesses may have any width and start at any offset; a multi-register access simply applies
 * each byte's masks (PCI-1.2). Bytes nobody declared are read-only zero (PCI-1.3).
 * Methods are synchronized: a device may raise interrupts (changing status bits) from another thread.
 */
public final class ConfigSpace {
    /** Conventional PCI configuration space size. */
    public static final int LEGACY_SIZE = 256;
    /** PCI Express configuration space size (extended capabilities from 0x100): 4 KiB by the PCI spec, not a page. */
    public static final int EXTENDED_SIZE = 4096;

    private final byte[] value;
    private final byte[] writable;
    private final byte[] w1c;
    private final byte[] virtualized;
    private final byte[] sticky;
    private byte[] powerOn;
    private ConfigSpace physical;

    private ConfigSpace(int size) {
        if (size != LEGACY_SIZE && size != EXTENDED_SIZE) {
            throw new IllegalArgumentException("config space size must be 256 or 4096: " + size);
        }
        value = new byte[size];
        writable = new byte[size];
        w1c = new byte[size];
        virtualized = new byte[size];
        Arrays.fill(virtualized, (byte) 0xFF);
        sticky = new byte[size];
        powerOn = new byte[size];
    }

    /** An all-zero, all-read-only space of 256 or 4096 bytes. */
    static ConfigSpace create(int size) {
        return new ConfigSpace(size);
    }

    /**
     * A space from a dump (a template, PCI-7.1): {@code image} gives the power-on values, {@code writable}
     * and {@code w1c} (same length, or null for none) the guest-writable and write-1-to-clear bits.
     */
    static ConfigSpace fromBytes(byte[] image, byte[] writable, byte[] w1c) {
        ConfigSpace c = new ConfigSpace(image.length);
        System.arraycopy(image, 0, c.value, 0, image.length);
        if (writable != null) {
            copyMask(writable, c.writable);
        }
        if (w1c != null) {
            copyMask(w1c, c.w1c);
        }
        c.capturePowerOn();
        return c;
    }

    private static void copyMask(byte[] src, byte[] dst) {
        if (src.length != dst.length) {
            throw new IllegalArgumentException("mask length " + src.length + " != space size " + dst.length);
        }
        System.arraycopy(src, 0, dst, 0, src.length);
    }

    public int size() {
        return value.length;
    }

    public boolean isExtended() {
        return value.length == EXTENDED_SIZE;
    }

    // ---------------------------------------------------------------- guest-visible reads

    public synchronized int read8(int offset) {
        check(offset, 1);
        return readByte(offset);
    }

    public synchronized int read16(int offset) {
        check(offset, 2);
        return readByte(offset) | readByte(offset + 1) << 8;
    }

    public synchronized int read32(int offset) {
        check(offset, 4);
        return readByte(offset) | readByte(offset + 1) << 8 | readByte(offset + 2) << 16 | readByte(offset + 3) << 24;
    }

    public synchronized long read64(int offset) {
        check(offset, 8);
        return (read32(offset) & 0xFFFF_FFFFL) | (long) read32(offset + 4) << 32;
    }

    /** Reads {@code dst.byteSize()} bytes at offset (any width, any alignment). */
    public synchronized void read(int offset, MemorySegment dst) {
        int len = Math.toIntExact(dst.byteSize());
        check(offset, len);
        for (int i = 0; i < len; i++) {
            dst.set(ValueLayout.JAVA_BYTE, i, (byte) readByte(offset + i));
        }
    }

    public synchronized void read(int offset, byte[] dst, int dstOffset, int length) {
        check(offset, length);
        for (int i = 0; i < length; i++) {
            dst[dstOffset + i] = (byte) readByte(offset + i);
        }
    }

    private int readByte(int i) {
        int v = value[i] & 0xFF;
        if (physical != null) {
            int virt = virtualized[i] & 0xFF;
            if (virt != 0xFF) {
                v = (v & virt) | (physical.read8(i) & ~virt & 0xFF);
            }
        }
        return v;
    }

    // ---------------------------------------------------------------- guest-visible writes

    public synchronized void write8(int offset, int v) {
        check(offset, 1);
        writeByte(offset, v);
    }

    public synchronized void write16(int offset, int v) {
        check(offset, 2);
        writeByte(offset, v);
        writeByte(offset + 1, v >>> 8);
    }

    public synchronized void write32(int offset, int v) {
        check(offset, 4);
        for (int i = 0; i < 4; i++) {
            writeByte(offset + i, v >>> (8 * i));
        }
    }

    /** A guest write of {@code src.byteSize()} bytes at offset, applying each bit's permissions. */
    public synchronized void write(int offset, MemorySegment src) {
        int len = Math.toIntExact(src.byteSize());
        check(offset, len);
        for (int i = 0; i < len; i++) {
            writeByte(offset + i, src.get(ValueLayout.JAVA_BYTE, i));
        }
    }

    public synchronized void write(int offset, byte[] src, int srcOffset, int length) {
        check(offset, length);
        for (int i = 0; i < length; i++) {
            writeByte(offset + i, src[srcOffset + i]);
        }
    }

    private void writeByte(int i, int data) {
        int d = data & 0xFF;
        int rw = writable[i] & 0xFF;
        int clr = w1c[i] & 0xFF;
        int old = value[i] & 0xFF;
        int nv = ((old & ~rw) | (d & rw)) & ~(d & clr);
        int virt = virtualized[i] & 0xFF;
        if (physical != null && virt != 0xFF) {
            // Non-virtualized bits reach the function below; the shadow keeps only the virtualized ones.
            // Virtualized positions carry 0 so they never clear a W1C bit down there.
            physical.write8(i, d & ~virt);
            nv = (nv & virt) | (old & ~virt);
        }
        value[i] = (byte) nv;
    }

    // ---------------------------------------------------------------- device-side access (no permissions)

    /** Device-side store of one byte, ignoring guest permissions. */
    public synchronized void set8(int offset, int v) {
        check(offset, 1);
        value[offset] = (byte) v;
    }

    public synchronized void set16(int offset, int v) {
        check(offset, 2);
        value[offset] = (byte) v;
        value[offset + 1] = (byte) (v >>> 8);
    }

    public synchronized void set32(int offset, int v) {
        check(offset, 4);
        for (int i = 0; i < 4; i++) {
            value[offset + i] = (byte) (v >>> (8 * i));
        }
    }

    public synchronized void set(int offset, byte[] src) {
        check(offset, src.length);
        System.arraycopy(src, 0, value, offset, src.length);
    }

    /** Device-side: sets ({@code on}) or clears the given bits of the 16-bit register at offset. */
    public synchronized void setBits16(int offset, int bits, boolean on) {
        int v = (value[offset] & 0xFF) | (value[offset + 1] & 0xFF) << 8;
        set16(offset, on ? v | bits : v & ~bits);
    }

    /** Device-side: sets or clears bits of the 32-bit register at offset. */
    public synchronized void setBits32(int offset, int bits, boolean on) {
        int v = shadow32(offset);
        set32(offset, on ? v | bits : v & ~bits);
    }

    /** The shadow's 32 bits at offset, ignoring any physical space. */
    synchronized int shadow32(int offset) {
        check(offset, 4);
        return (value[offset] & 0xFF)
                | (value[offset + 1] & 0xFF) << 8
                | (value[offset + 2] & 0xFF) << 16
                | (value[offset + 3] & 0xFF) << 24;
    }

    // ---------------------------------------------------------------- permissions

    /** Makes the bits of {@code mask} (a {@code width}-byte little-endian value at offset) guest-writable. */
    synchronized void setWritable(int offset, int width, long mask) {
        applyMask(writable, offset, width, mask);
    }

    synchronized void setW1c(int offset, int width, long mask) {
        applyMask(w1c, offset, width, mask);
    }

    /** Marks the bits of mask as NOT virtualized (served by the physical space when attached). */
    synchronized void setPassthrough(int offset, int width, long mask) {
        check(offset, width);
        for (int i = 0; i < width; i++) {
            virtualized[offset + i] &= (byte) ~(mask >>> (8 * i));
        }
    }

    synchronized void setSticky(int offset, int width, long mask) {
        applyMask(sticky, offset, width, mask);
    }

    /** Replaces (not ORs) the writable mask of a register. */
    synchronized void replaceWritable(int offset, int width, long mask) {
        check(offset, width);
        for (int i = 0; i < width; i++) {
            writable[offset + i] = (byte) (mask >>> (8 * i));
        }
    }

    private void applyMask(byte[] masks, int offset, int width, long mask) {
        check(offset, width);
        for (int i = 0; i < width; i++) {
            masks[offset + i] |= (byte) (mask >>> (8 * i));
        }
    }

    synchronized long writableMask(int offset, int width) {
        return maskValue(writable, offset, width);
    }

    synchronized long w1cMask(int offset, int width) {
        return maskValue(w1c, offset, width);
    }

    private long maskValue(byte[] masks, int offset, int width) {
        check(offset, width);
        long v = 0;
        for (int i = 0; i < width; i++) {
            v |= (long) (masks[offset + i] & 0xFF) << (8 * i);
        }
        return v;
    }

    /** Copies of the permission tables (for templates and tests). */
    public synchronized byte[] writableBytes() {
        return writable.clone();
    }

    public synchronized byte[] w1cBytes() {
        return w1c.clone();
    }

    // ---------------------------------------------------------------- power-on state and reset

    /** Remembers the current values as the power-on values that {@link #resetToPowerOn()} restores. */
    synchronized void capturePowerOn() {
        powerOn = value.clone();
    }

    /** Returns every bit to its power-on value except sticky bits (PCI-5.1). */
    synchronized void resetToPowerOn() {
        for (int i = 0; i < value.length; i++) {
            int s = sticky[i] & 0xFF;
            value[i] = (byte) ((powerOn[i] & ~s) | (value[i] & s));
        }
    }

    synchronized byte[] powerOnBytes() {
        return powerOn.clone();
    }

    /** Attaches the function below the emulation; non-virtualized bits are served by it. */
    synchronized void attachPhysical(ConfigSpace below) {
        if (below != null && below.size() < size()) {
            throw new IllegalArgumentException("physical space smaller than the shadow");
        }
        this.physical = below;
    }

    /** The current guest-visible bytes (a copy). */
    public synchronized byte[] bytes() {
        byte[] out = new byte[value.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) readByte(i);
        }
        return out;
    }

    // ---------------------------------------------------------------- migration

    /** The shadow's bytes as stored (virtualized state included), for a migration stream. */
    synchronized byte[] shadowBytes() {
        return value.clone();
    }

    /** Replaces the shadow's bytes with a migrated copy (same size, checked by the caller). */
    synchronized void restoreShadow(byte[] bytes) {
        System.arraycopy(bytes, 0, value, 0, value.length);
    }

    /**
     * A CRC32C of what makes this space the same device as another: its size, the writable,
     * write-1-to-clear, virtualized and sticky masks and the power-on values. A migrated space is
     * only restored onto a space with the same shape.
     */
    synchronized int shapeDigest() {
        CRC32C c = new CRC32C();
        c.update(value.length);
        c.update(writable);
        c.update(w1c);
        c.update(virtualized);
        c.update(sticky);
        c.update(powerOn);
        return (int) c.getValue();
    }

    /** An independent copy: values, permissions and power-on values (not the physical link). */
    public synchronized ConfigSpace copy() {
        ConfigSpace c = new ConfigSpace(value.length);
        System.arraycopy(value, 0, c.value, 0, value.length);
        System.arraycopy(writable, 0, c.writable, 0, value.length);
        System.arraycopy(w1c, 0, c.w1c, 0, value.length);
        System.arraycopy(virtualized, 0, c.virtualized, 0, value.length);
        System.arraycopy(sticky, 0, c.sticky, 0, value.length);
        c.powerOn = powerOn.clone();
        return c;
    }

    private void check(int offset, int length) {
        if (offset < 0 || length < 0 || offset > value.length - length) {
            throw new IndexOutOfBoundsException(
                    "config access [" + offset + ", +" + length + ") outside " + value.length + " bytes");
        }
    }
}
