package dev.jvfio.pci;

/**
 * An expansion ROM: register at 0x30 with the address bits above the size writable plus the enable bit.
 * The VFIO ROM region (6) serves the backing read-only.
 */
public record PciRom(long size, BarBacking backing) {
    public PciRom {
        if (Long.bitCount(size) != 1 || size < 2048 || size > 0x8000_0000L) {
            throw new IllegalArgumentException("ROM size must be a power of two, 2 KiB..2 GiB: " + size);
        }
    }

    public int writableMask() {
        return (int) (~(size - 1) & PciHeader.ROM_ADDRESS_MASK) | PciHeader.ROM_ENABLE;
    }
}
