package dev.jvfio.lspci;

import dev.jvfio.client.ServerCapabilities;
import dev.jvfio.device.DeviceInfo;
import dev.jvfio.device.IrqInfo;
import dev.jvfio.device.RegionInfo;
import dev.jvfio.device.SparseArea;
import dev.jvfio.device.Vfio;
import dev.jvfio.units.ByteSize;
import java.util.ArrayList;
import java.util.List;

/**
 * The vfio-user side of a device as text: device flags, every region (size, flags, sparse mmap areas,
 * type) and every IRQ index. Each line starts with a tab (or a word that is not hex), so the whole
 * report stays readable by {@code lspci -F}, which would take a "xx: " line for config bytes.
 */
public final class VfioUserView {
    private static final String[] PCI_REGIONS = {"BAR0", "BAR1", "BAR2", "BAR3", "BAR4", "BAR5", "ROM", "CONFIG", "VGA"
    };
    private static final String[] PCI_IRQS = {"INTx", "MSI", "MSI-X", "ERR", "REQ"};

    private VfioUserView() {}

    public static String render(DeviceView dev, String socket) throws Exception {
        StringBuilder sb = new StringBuilder();
        DeviceInfo info = dev.deviceInfo();
        boolean pci = (info.flags() & Vfio.DEVICE_FLAGS_PCI) != 0;
        sb.append("vfio-user view of ").append(socket).append('\n');
        sb.append("\tDevice: flags ")
                .append(deviceFlags(info.flags()))
                .append(", ")
                .append(info.numRegions())
                .append(" regions, ")
                .append(info.numIrqs())
                .append(" IRQ indexes\n");
        ServerCapabilities caps = dev.serverCapabilities();
        if (caps != null) {
            // pgsizes is the server's page size: what every DMA_MAP and mmap area is a multiple of
            sb.append(String.format(
                    "\tServer: pgsizes 0x%x, max_data_xfer_size %d, max_msg_fds %d, max_dma_maps %d\n",
                    caps.pgsizes(), caps.maxDataXferSize(), caps.maxMsgFds(), caps.maxDmaMaps()));
        }
        for (int i = 0; i < info.numRegions(); i++) {
            RegionInfo r = dev.regionInfo(i);
            String name = pci && i < PCI_REGIONS.length ? PCI_REGIONS[i] : "device region";
            sb.append("\tRegion ").append(i).append(" (").append(name).append("): ");
            if (r.size() == 0 && r.flags() == 0) {
                sb.append("absent\n");
                continue;
            }
            sb.append("size ").append(size(r.size())).append(", ").append(regionFlags(r.flags()));
            if (r.type() != null) {
                sb.append(String.format(
                        ", type 0x%x subtype 0x%x", r.type().type(), r.type().subtype()));
            }
            sb.append('\n');
            for (SparseArea a : r.sparseAreas()) {
                sb.append(String.format(
                        "\t\tmmap area [0x%x-0x%x] %s%n", a.offset(), a.offset() + a.size() - 1, size(a.size())));
            }
        }
        for (int i = 0; i < info.numIrqs(); i++) {
            IrqInfo q = dev.irqInfo(i);
            String name = pci && i < PCI_IRQS.length ? PCI_IRQS[i] : "irq";
            sb.append("\tIRQ ")
                    .append(i)
                    .append(" (")
                    .append(name)
                    .append("): ")
                    .append(q.count())
                    .append(q.count() == 1 ? " vector" : " vectors");
            if (q.flags() != 0) sb.append(", ").append(irqFlags(q.flags()));
            sb.append('\n');
        }
        return sb.toString();
    }

    static String size(long bytes) {
        return new ByteSize(bytes).human() + String.format(" (0x%x)", bytes);
    }

    static String deviceFlags(int f) {
        List<String> s = new ArrayList<>();
        if ((f & Vfio.DEVICE_FLAGS_RESET) != 0) s.add("RESET");
        if ((f & Vfio.DEVICE_FLAGS_PCI) != 0) s.add("PCI");
        if ((f & Vfio.DEVICE_FLAGS_CAPS) != 0) s.add("CAPS");
        return s.isEmpty() ? "none" : String.join("|", s) + String.format(" (0x%x)", f);
    }

    static String regionFlags(int f) {
        List<String> s = new ArrayList<>();
        if ((f & Vfio.REGION_INFO_FLAG_READ) != 0) s.add("READ");
        if ((f & Vfio.REGION_INFO_FLAG_WRITE) != 0) s.add("WRITE");
        if ((f & Vfio.REGION_INFO_FLAG_MMAP) != 0) s.add("MMAP");
        if ((f & Vfio.REGION_INFO_FLAG_CAPS) != 0) s.add("CAPS");
        return "flags " + (s.isEmpty() ? "none" : String.join("|", s)) + String.format(" (0x%x)", f);
    }

    static String irqFlags(int f) {
        List<String> s = new ArrayList<>();
        if ((f & Vfio.IRQ_INFO_EVENTFD) != 0) s.add("EVENTFD");
        if ((f & Vfio.IRQ_INFO_MASKABLE) != 0) s.add("MASKABLE");
        if ((f & Vfio.IRQ_INFO_AUTOMASKED) != 0) s.add("AUTOMASKED");
        if ((f & Vfio.IRQ_INFO_NORESIZE) != 0) s.add("NORESIZE");
        return "flags " + String.join("|", s) + String.format(" (0x%x)", f);
    }
}
