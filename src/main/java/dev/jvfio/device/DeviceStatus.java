package dev.jvfio.device;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a device says about itself for diagnostics ({@code jvfio ctl status}): the interrupts the
 * client armed, how often the device was reset, its health (docs/faults.md) and model counters
 * (a copy engine's, say). A snapshot; nothing in it is used to serve requests.
 *
 * @param irqs     one entry per IRQ index the device has
 * @param resets   resets since the device was created (FLR, DEVICE_RESET, power-management resets)
 * @param health   "ok", or what is wrong ("off the bus", "stalled for 800 ms", ...)
 * @param counters named counters of the device model, in a stable order
 */
public record DeviceStatus(List<IrqStatus> irqs, long resets, String health, Map<String, Long> counters) {
    public DeviceStatus {
        irqs = List.copyOf(irqs);
        counters = Collections.unmodifiableMap(new LinkedHashMap<>(counters));
    }

    /** A device that reports nothing. */
    public static final DeviceStatus UNKNOWN = new DeviceStatus(List.of(), 0, "unknown", Map.of());

    /**
     * One IRQ index.
     *
     * @param index    INTx 0, MSI 1, MSI-X 2, ERR 3, REQ 4
     * @param vectors  how many the index has (GET_IRQ_INFO count)
     * @param armed    how many have an eventfd from SET_IRQS
     * @param enabled  the interrupt type the client enabled (INTx, MSI or MSI-X; vfio's irq_type)
     * @param unmaskFd INTx only: the client installed an unmask (KVM resample) eventfd
     */
    public record IrqStatus(int index, int vectors, int armed, boolean enabled, boolean unmaskFd) {
        /** "INTx", "MSI", "MSI-X", "ERR", "REQ". */
        public String kind() {
            return kindOf(index);
        }

        public static String kindOf(int index) {
            return switch (index) {
                case Vfio.PCI_INTX_IRQ_INDEX -> "INTx";
                case Vfio.PCI_MSI_IRQ_INDEX -> "MSI";
                case Vfio.PCI_MSIX_IRQ_INDEX -> "MSI-X";
                case Vfio.PCI_ERR_IRQ_INDEX -> "ERR";
                case Vfio.PCI_REQ_IRQ_INDEX -> "REQ";
                default -> "IRQ " + index;
            };
        }
    }
}
