package dev.jvfio.pci;

import dev.jvfio.device.DeviceStatus;
import dev.jvfio.device.Vfio;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * A function's {@link DeviceStatus} for diagnostics: what the client armed per IRQ index, the reset
 * count, the health and the counters device models add. Snapshots run under the device's lock.
 */
final class PciStatus {
    private final PciInterrupts interrupts;
    private final PciReset reset;
    private final FunctionHealth health;
    private final List<Map.Entry<String, Supplier<Map<String, Long>>>> counters = new CopyOnWriteArrayList<>();

    PciStatus(PciInterrupts interrupts, PciReset reset, FunctionHealth health) {
        this.interrupts = interrupts;
        this.reset = reset;
        this.health = health;
    }

    void addCounters(String prefix, Supplier<Map<String, Long>> supplier) {
        counters.add(Map.entry(prefix, supplier));
    }

    DeviceStatus snapshot() {
        List<DeviceStatus.IrqStatus> irqs = new ArrayList<>();
        for (int[] a : armed(interrupts)) {
            irqs.add(new DeviceStatus.IrqStatus(a[0], interrupts.vectors(a[0]).count(), a[1], a[2] != 0, a[3] != 0));
        }
        Map<String, Long> all = new LinkedHashMap<>();
        all.put("intx-unmask-signals", interrupts.resamples());
        for (Map.Entry<String, Supplier<Map<String, Long>>> e : counters) {
            try {
                e.getValue().get().forEach((k, v) -> all.put(e.getKey() + "." + k, v));
            } catch (RuntimeException ex) {
                all.put(e.getKey() + ".unavailable", 1L);
            }
        }
        return new DeviceStatus(irqs, reset.count(), health.describe(), all);
    }

    /**
     * The indexes with something armed and how many vectors have an eventfd. Element i is {index,
     * vectors with an eventfd, 1 if enabled (INTx/MSI/MSI-X), 1 if INTx has an unmask eventfd}.
     */
    private static int[][] armed(PciInterrupts interrupts) {
        int[][] out = new int[Vfio.PCI_NUM_IRQS][];
        for (int i = 0; i < out.length; i++) {
            IrqVectors irq = interrupts.vectors(i);
            int n = 0;
            for (int v = 0; v < irq.count(); v++) {
                if (irq.fd(v) != null) {
                    n++;
                }
            }
            boolean resample = i == Vfio.PCI_INTX_IRQ_INDEX && interrupts.intxResampleArmed();
            out[i] = new int[] {i, n, interrupts.irqType() == i ? 1 : 0, resample ? 1 : 0};
        }
        return out;
    }
}
