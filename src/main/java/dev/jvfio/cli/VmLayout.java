package dev.jvfio.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The QEMU options that give a guest N vfio-user Grace Hopper GPUs.
 *
 * <ul>
 *   <li>Guest RAM in shared memfd backends, so QEMU can pass it to the server as fds (VU-8.3).
 *       QEMU rejects {@code -machine memory-backend} together with {@code -numa node,memdev}
 *       ("mutually exclusive", hw/core/numa.c) and, once any {@code -numa node} exists, insists that
 *       the nodes' memory adds up to {@code -m}. Since the GPU needs NUMA nodes, the RAM is given to
 *       nodes 0 and 1 as two {@code memory-backend-memfd,share=on} objects instead of one
 *       {@code -machine memory-backend}: QEMU wins over the note (VU-8.3), same effect on the wire.</li>
 *   <li>Nodes 0 and 1 hold the vCPUs and RAM; GPU g owns the 8 memory-less nodes
 *       {@code 2+8g .. 9+8g}, each tied to it by one acpi-generic-initiator (NV-8.2).</li>
 *   <li>Every GPU sits alone on its own pcie-root-port at addr 0 (NV-8.5), whose 64-bit prefetchable
 *       window is reserved large enough, inside a 64-bit PCI hole large enough (NV-8.4).</li>
 * </ul>
 */
public record VmLayout(QemuMachine machine, List<Path> sockets, long guestRam, int cpus, long deviceMemory) {
    public static final int FIRST_GPU_NODE = 2;
    public static final int NODES_PER_GPU = 8;
    /** QEMU's MAX_NODES (include/sysemu/numa.h): node ids must stay below it. */
    public static final int QEMU_MAX_NODES = 128;

    public VmLayout {
        sockets = List.copyOf(sockets);
        if (sockets.isEmpty()) throw new IllegalArgumentException("at least one GPU is needed");
        if (cpus < 1) throw new IllegalArgumentException("--cpus must be at least 1");
        if (guestRam < 2 * ByteSize.MIB || guestRam % (2 * ByteSize.MIB) != 0) {
            throw new IllegalArgumentException("--ram must be a positive multiple of 2M (it is split over NUMA nodes 0 and 1)");
        }
        if (lastNode(sockets.size()) >= QEMU_MAX_NODES) {
            throw new IllegalArgumentException("too many GPUs: " + sockets.size()
                    + " GPUs need NUMA nodes up to " + lastNode(sockets.size()) + ", QEMU allows at most "
                    + (QEMU_MAX_NODES - 1));
        }
    }

    public int gpus() {
        return sockets.size();
    }

    /** The first NUMA node of GPU {@code gpu} (0-based): 2, 10, 18, ... */
    public static int firstNode(int gpu) {
        return FIRST_GPU_NODE + NODES_PER_GPU * gpu;
    }

    static int lastNode(int gpus) {
        return firstNode(gpus) - 1;
    }

    public static String deviceId(int gpu) {
        return "gpu" + gpu;
    }

    public static String portId(int gpu) {
        return "gpu" + gpu + "-port";
    }

    public List<QemuOption> options() {
        List<QemuOption> out = new ArrayList<>();
        long perGpu = GpuWindow.perGpu(deviceMemory);
        switch (machine) {
            case Q35 -> {
                out.add(new QemuOption("-machine", "q35"));
                out.add(new QemuOption("-global", "q35-pcihost.pci-hole64-size="
                        + new ByteSize(GpuWindow.q35Hole64(gpus(), deviceMemory)).qemu()));
            }
            case VIRT -> out.add(new QemuOption("-machine", "virt,highmem-mmio-size="
                    + new ByteSize(GpuWindow.virtHighmemMmio(gpus(), deviceMemory)).qemu()));
        }
        out.add(new QemuOption("-m", new ByteSize(guestRam).qemu()));
        out.add(new QemuOption("-smp", Integer.toString(cpus)));

        long ram0 = guestRam / 2 / ByteSize.MIB * ByteSize.MIB;
        long ram1 = guestRam - ram0;
        out.add(new QemuOption("-object", "memory-backend-memfd,id=ram0,size=" + new ByteSize(ram0).qemu() + ",share=on"));
        out.add(new QemuOption("-object", "memory-backend-memfd,id=ram1,size=" + new ByteSize(ram1).qemu() + ",share=on"));
        int cpus0 = (cpus + 1) / 2;
        out.add(new QemuOption("-numa", "node,nodeid=0,cpus=" + range(0, cpus0 - 1) + ",memdev=ram0"));
        out.add(new QemuOption("-numa", "node,nodeid=1" + (cpus > cpus0 ? ",cpus=" + range(cpus0, cpus - 1) : "") + ",memdev=ram1"));
        for (int g = 0; g < gpus(); g++) {
            for (int k = 0; k < NODES_PER_GPU; k++) {
                out.add(new QemuOption("-numa", "node,nodeid=" + (firstNode(g) + k)));
            }
        }
        for (int g = 0; g < gpus(); g++) {
            out.add(new QemuOption("-device", "pcie-root-port,id=" + portId(g) + ",bus=pcie.0,chassis=" + (g + 1)
                    + ",slot=" + (g + 1) + ",pref64-reserve=" + new ByteSize(perGpu).qemu()));
            out.add(new QemuOption("-device", VfioUserPciJson.device(sockets.get(g), deviceId(g), portId(g))));
            for (int k = 0; k < NODES_PER_GPU; k++) {
                int node = firstNode(g) + k;
                out.add(new QemuOption("-object", "acpi-generic-initiator,id=gi" + node + ",pci-dev=" + deviceId(g)
                        + ",node=" + node));
            }
        }
        return out;
    }

    private static String range(int from, int to) {
        return from == to ? Integer.toString(from) : from + "-" + to;
    }

    /** One option per line, continued with backslashes: paste after the QEMU binary's name. */
    public String render() {
        List<QemuOption> opts = options();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < opts.size(); i++) {
            sb.append(opts.get(i).shell());
            sb.append(i + 1 < opts.size() ? " \\\n" : "\n");
        }
        return sb.toString();
    }
}
