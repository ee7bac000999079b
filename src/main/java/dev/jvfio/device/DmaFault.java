package dev.jvfio.device;

/**
 * A device's access to client memory ({@link DmaSpace}) failed at a bus address: nothing is mapped
 * there (or the mapping went away, or its file shrank under it), or the mapping does not allow the
 * access. Devices turn this into their own error status (a DMA engine's STATUS and FAULT registers);
 * the errno is always EFAULT, so code that only knows {@link VfioException} keeps working.
 */
public final class DmaFault extends VfioException {
    /** Why the access failed. */
    public enum Kind {
        /** No window covers the address, the window was unmapped, or its memory is gone (truncated file). */
        NOT_MAPPED,
        /** The window was mapped without the READ flag and the device tried to read it. */
        NOT_READABLE,
        /** The window was mapped without the WRITE flag and the device tried to write it. */
        NOT_WRITABLE
    }

    private final Kind kind;
    private final long address;

    public DmaFault(Kind kind, long address, String message) {
        super(Errno.EFAULT, message);
        this.kind = kind;
        this.address = address;
    }

    public Kind kind() {
        return kind;
    }

    /** The bus address (IOVA) of the first byte that could not be accessed. */
    public long address() {
        return address;
    }
}
