package dev.jvfio.device;

/** struct vfio_irq_info: flags ({@link Vfio#IRQ_INFO_EVENTFD} ...) and the number of vectors. */
public record IrqInfo(int index, int flags, int count) {}
