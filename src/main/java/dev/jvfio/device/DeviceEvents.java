package dev.jvfio.device;

/**
 * What a device does on its own that no request shows: the interrupts it fires and the copies its
 * DMA engine completes. A server learns of requests by serving them; these it can only be told of,
 * through {@link VfioDevice#observe}. Called on whatever thread fires the interrupt or finishes
 * the copy: implementations must be quick, thread-safe and must not throw.
 */
public interface DeviceEvents {
    /** An interrupt of IRQ index {@code index} ({@link Vfio}: INTx, MSI, MSI-X, ERR, REQ) reached its eventfd. */
    default void interrupt(int index) {}

    /** The device's DMA engine finished a copy of {@code bytes} bytes. */
    default void copied(long bytes) {}

    /** The device's DMA engine ended a copy with an error. */
    default void copyFailed() {}

    /** Hears nothing. */
    DeviceEvents NONE = new DeviceEvents() {};
}
