/**
 * The PCI core, the Java counterpart of the kernel's vfio-pci-core (behaviour ids PCI-1 to PCI-7 in
 * {@code docs/pci-behaviour.md}): config space with per-bit permissions (PCI-1), BARs (PCI-2),
 * capabilities (PCI-3), gating of trapped BAR access (PCI-4), resets (PCI-5), INTx, MSI and MSI-X
 * (PCI-6) and functions built from a config dump (PCI-7). Knows nothing of NVIDIA and prints nothing.
 *
 * <p>Entry point: {@link dev.jvfio.pci.VfioPciDevice#builder}, which declares a function by name:
 * header fields, BARs ({@link dev.jvfio.pci.PciBar#mem64(int, long, dev.jvfio.pci.BarBacking)} and
 * friends, {@code .prefetchable()}), capabilities ({@link dev.jvfio.pci.Capability.Msi#vectors},
 * {@link dev.jvfio.pci.Capability.Msix#vectors}, {@link dev.jvfio.pci.Capability.PowerManagement},
 * {@link dev.jvfio.pci.Capability.PciExpress#endpoint()}, {@link dev.jvfio.pci.ExtendedCapability}).
 * A device model writes only what sits behind its BARs, a {@link dev.jvfio.pci.BarBacking} (or
 * {@link dev.jvfio.pci.RamBacking}); one that acts on its function is declared with a
 * {@link dev.jvfio.pci.BarBacking.Factory}, which is given the function at build. From there the
 * model raises interrupts ({@link dev.jvfio.pci.VfioPciDevice#raiseInterrupt}), listens for resets
 * ({@link dev.jvfio.pci.ResetListener}) and reaches client memory
 * ({@link dev.jvfio.pci.VfioPciDevice#dma()}).
 *
 * <p>Internal to the package, one concern per class as in {@code drivers/vfio/pci/}: config writes
 * and their side effects, BAR access and the MSI-X table split, interrupts and SET_IRQS, resets,
 * the standard writable bits of each capability.
 */
package dev.jvfio.pci;
