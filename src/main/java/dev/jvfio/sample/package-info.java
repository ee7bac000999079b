/**
 * The sample PCI device (behaviour ids PCI-9.x in {@code docs/pci-behaviour.md}), the model to copy
 * when writing a device on the PCI core: {@link dev.jvfio.sample.SampleDevice#create} builds a
 * function with RAM offered for mmap, a few registers with side effects (a doorbell that raises an
 * interrupt, an INTx acknowledge, scratch and counters), a {@link dev.jvfio.engine.CopyEngine}, MSI,
 * MSI-X, Power Management and PCI Express with FLR. {@code jvfio serve --profile sample} serves it;
 * {@code docs/writing-a-device.md} walks through it.
 */
package dev.jvfio.sample;
