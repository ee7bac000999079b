package dev.jvfio.pci;

/** What a base address register decodes: 32-bit memory, 64-bit memory (two slots) or I/O space. */
public enum BarKind {
    MEM32,
    MEM64,
    IO;

    public boolean isMemory() {
        return this != IO;
    }
}
