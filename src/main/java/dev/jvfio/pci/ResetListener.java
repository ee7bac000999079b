package dev.jvfio.pci;

/** Told after the PCI core has returned config space to power-on values (PCI-5.3). */
@FunctionalInterface
public interface ResetListener {
    void onReset(ResetKind kind);
}
