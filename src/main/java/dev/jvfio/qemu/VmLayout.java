package dev.jvfio.qemu;

import dev.jvfio.units.ByteSize;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The QEMU options that give a guest N vfio-user Grace Hopper GPUs.
 *
 * <ul>
 *   <li>Guest RAM in shared memfd backends, so QEMU can pass it to the server as fds (VU-8.3).
 *       QEMU rejects {@code -machine memory-backend} together with {@code -numa node,memdev}
 *       ("mutually exclusive", hw/core/numa.c) and, once any {@code -numa node} exists, insists that
 *       the nodes' memory adds up to {@code -m}. Since the GPU needs NUMA nodes, the RAM is given to
 *       the CPU+RAM nodes as one {@code memory-backend-memfd,share=on} object each instead of one
 *       {@code -machine memory-backend}: QEMU wins over the note (VU-8.3), same effect on the wire.</li>
 *   <li>The CPU+RAM nodes come first ({@link QemuTopology}: 2 for flat, one per GPU for grace), each
 *       its own socket so QEMU does not warn that one socket spans nodes; GPU g owns the 8 memory-less
 *       nodes after them, each tied to it by one acpi-generic-initiator (NV-8.2).</li>
 *   <li>Every GPU sits alone on its own pcie-root-port at addr 0 (NV-8.5), whose 64-bit prefetchable
 *       window is reserved large enough, inside a 64-bit PCI hole large enough (NV-8.4). With the grace
 *       topology the port sits on a pxb-pcie (PCIe expander bridge: an extra host bridge) whose
 *       numa_node is the GPU's CPU node.</li>
 * </ul>
 *
 * <p>Every {@code -device} is JSON (see {@link QemuJson} for why). {@code -object} stays key=value:
 * QEMU creates -objects in command-line order whatever their syntax, so there is no ordering trap, and
 * the short form reads better; {@code -numa}, {@code -machine} and {@code -global} have no JSON form.
 */
public record VmLayout(
        QemuMachine machine,
        QemuTopology topology,
        List<Path> sockets,
        long guestRam,
        int cpus,
        long deviceMemory,
        int sparePorts) {
    public static final int NODES_PER_GPU = 8;
    /** QEMU's MAX_NODES (include/sysemu/numa.h): node ids must stay below it. */
    public static final int QEMU_MAX_NODES = 128;
    /**
     * Bus number of GPU 0's pxb-pcie; GPU g's is {@code FIRST_PXB_BUS + PXB_BUS_STRIDE * g}. A pxb's
     * root bus takes its bus_nr and the buses up to the next pxb's (0 is illegal, and the main host
     * bridge keeps 0 .. lowest bus_nr - 1, hw/pci-host/gpex-acpi.c, hw/i386/acpi-build.c), so starting
     * at 128 leaves pcie.0 room for 127 buses of libvirt's and the user's own root ports. Each pxb needs
     * 2 (its root bus and the root port's secondary bus); 8 leaves room, and 14 GPUs (the most 128 NUMA
     * nodes allow) end at bus 239, inside the 256 buses of q35's MMCONFIG and virt's high ECAM.
     */
    static final int FIRST_PXB_BUS = 128;

    static final int PXB_BUS_STRIDE = 8;
    /**
     * Chassis number of GPU 0's root port. A (chassis, slot) pair must be unique (hw/pci/pcie.c);
     * libvirt numbers its own root ports' chassis from 1 (slot 0), so ours start above any it uses.
     */
    static final int FIRST_CHASSIS = 101;
    /**
     * The most empty hot-pluggable root ports {@code --spare-ports} adds. They sit on pcie.0, which has
     * 32 slots: q35 itself takes 0 (host bridge) and 31 (ICH9 LPC, SATA, SMBus), libvirt's own devices
     * and the GPUs' ports take more; 16 leaves room for those, and each spare port's window also
     * grows the 64-bit hole and so the guest address width.
     */
    public static final int MAX_SPARE_PORTS = 16;

    /** A layout without spare ports. */
    public VmLayout(
            QemuMachine machine,
            QemuTopology topology,
            List<Path> sockets,
            long guestRam,
            int cpus,
            long deviceMemory) {
        this(machine, topology, sockets, guestRam, cpus, deviceMemory, 0);
    }

    public VmLayout {
        sockets = List.copyOf(sockets);
        if (sparePorts < 0 || sparePorts > MAX_SPARE_PORTS) {
            throw new IllegalArgumentException(
                    sparePorts + " spare root ports are out of range; allowed: 0 to " + MAX_SPARE_PORTS);
        }
        if (sockets.isEmpty()) throw new IllegalArgumentException("at least one GPU is needed");
        if (cpus < 1) throw new IllegalArgumentException("a guest needs at least one vCPU");
        String ram = ramProblem(guestRam, topology, sockets.size());
        if (ram != null) throw new IllegalArgumentException("guest RAM " + ram);
        int cpuNodes = cpuNodes(topology, sockets.size());
        int last = cpuNodes + NODES_PER_GPU * sockets.size() - 1;
        if (last >= QEMU_MAX_NODES) {
            throw new IllegalArgumentException("too many GPUs: " + sockets.size() + " GPUs need NUMA nodes up to "
                    + last + ", QEMU allows at most " + (QEMU_MAX_NODES - 1));
        }
    }

    /**
     * Why {@code guestRam} cannot be split over the CPU nodes of this topology (a phrase that follows
     * the amount, e.g. "must be a positive multiple of 2M"), or null when it can.
     */
    public static String ramProblem(long guestRam, QemuTopology topology, int gpus) {
        if (guestRam < 2 * ByteSize.MIB || guestRam % (2 * ByteSize.MIB) != 0) {
            return "must be a positive multiple of 2M (it is split over the NUMA nodes)";
        }
        int cpuNodes = cpuNodes(topology, gpus);
        if (guestRam < cpuNodes * ByteSize.MIB) {
            return new ByteSize(guestRam).qemu() + " is too small for " + cpuNodes + " NUMA nodes of at least 1M each";
        }
        return null;
    }

    public int gpus() {
        return sockets.size();
    }

    /**
     * How many GPU-sized 64-bit windows the machine's 64-bit PCI hole must hold: one per GPU and one
     * per spare port (a GPU hot-added later gets the window its port reserved at boot; the firmware
     * and the guest cannot grow the hole at run time).
     */
    public int windows() {
        return gpus() + sparePorts;
    }

    /** Guest physical address bits for the RAM and the 64-bit hole (q35; see {@link GpuWindow#q35PhysBits}). */
    public int q35PhysBits() {
        return GpuWindow.q35PhysBits(guestRam, windows(), deviceMemory);
    }

    /** q35's pci-hole64-size. */
    public long q35Hole64() {
        return GpuWindow.q35Hole64(windows(), deviceMemory);
    }

    /** arm virt's highmem-mmio-size. */
    public long virtHighmemMmio() {
        return GpuWindow.virtHighmemMmio(windows(), deviceMemory);
    }

    /** The id of spare root port {@code spare} (0-based): the bus to {@code device_add} a GPU into. */
    public static String sparePortId(int spare) {
        return "spare" + spare + "-port";
    }

    private static int cpuNodes(QemuTopology topology, int gpus) {
        return switch (topology) {
            case FLAT -> 2;
            case GRACE -> gpus;
        };
    }

    /** How many NUMA nodes hold CPUs and RAM: 2 (flat) or one per GPU (grace). */
    public int cpuNodes() {
        return cpuNodes(topology, gpus());
    }

    /** The first NUMA node of GPU {@code gpu} (0-based): 2, 10, 18, ... (flat). */
    public int firstNode(int gpu) {
        return cpuNodes() + NODES_PER_GPU * gpu;
    }

    /** The CPU+RAM node next to GPU {@code gpu} (grace), or -1 (flat: no locality). */
    public int cpuNodeOf(int gpu) {
        return topology == QemuTopology.GRACE ? gpu : -1;
    }

    /** Every NUMA node: the CPU+RAM ones, then 8 per GPU. */
    public int nodes() {
        return firstNode(gpus());
    }

    /** vCPUs per CPU node (= per socket); with an uneven split the last sockets' extra CPUs are absent. */
    public int coresPerNode() {
        return (cpus + cpuNodes() - 1) / cpuNodes();
    }

    /** All possible vCPUs: every socket full. More than --cpus only when --cpus does not divide evenly. */
    public int maxCpus() {
        return coresPerNode() * cpuNodes();
    }

    /** The vCPU ids of CPU node {@code node}: "0-1". */
    public String cpusOf(int node) {
        int first = node * coresPerNode();
        return range(first, first + coresPerNode() - 1);
    }

    /** RAM of CPU node {@code node}: an equal share in whole MiB; the last node takes the rest. */
    public long ramOf(int node) {
        long share = guestRam / cpuNodes() / ByteSize.MIB * ByteSize.MIB;
        return node == cpuNodes() - 1 ? guestRam - share * (cpuNodes() - 1) : share;
    }

    public static String deviceId(int gpu) {
        return "gpu" + gpu;
    }

    public static String portId(int gpu) {
        return "gpu" + gpu + "-port";
    }

    /** The pxb-pcie of GPU {@code gpu} (grace); its root bus has the same name. */
    public static String bridgeId(int gpu) {
        return "gpu" + gpu + "-pxb";
    }

    public static int bridgeBus(int gpu) {
        return FIRST_PXB_BUS + PXB_BUS_STRIDE * gpu;
    }

    /** {@code -smp}: one socket per CPU node, so no socket spans two nodes (QEMU 11 warns otherwise). */
    public String smp() {
        return cpus + ",sockets=" + cpuNodes() + ",cores=" + coresPerNode() + ",threads=1"
                + (maxCpus() > cpus ? ",maxcpus=" + maxCpus() : "");
    }

    public List<QemuOption> options() {
        List<QemuOption> out = new ArrayList<>();
        switch (machine) {
            case Q35 -> {
                out.add(new QemuOption("-machine", "q35"));
                out.add(new QemuOption("-global", "q35-pcihost.pci-hole64-size=" + new ByteSize(q35Hole64()).qemu()));
            }
            case VIRT ->
                out.add(new QemuOption("-machine", "virt,highmem-mmio-size=" + new ByteSize(virtHighmemMmio()).qemu()));
        }
        out.add(new QemuOption("-m", new ByteSize(guestRam).qemu()));
        out.add(new QemuOption("-smp", smp()));
        for (int n = 0; n < cpuNodes(); n++) {
            out.add(new QemuOption(
                    "-object",
                    "memory-backend-memfd,id=ram" + n + ",size=" + new ByteSize(ramOf(n)).qemu() + ",share=on"));
        }
        for (int n = 0; n < cpuNodes(); n++) {
            out.add(new QemuOption("-numa", "node,nodeid=" + n + ",cpus=" + cpusOf(n) + ",memdev=ram" + n));
        }
        for (int node = cpuNodes(); node < nodes(); node++) {
            out.add(new QemuOption("-numa", "node,nodeid=" + node));
        }
        out.addAll(gpuOptions());
        out.addAll(sparePortOptions());
        return out;
    }

    /**
     * The options libvirt has no element for (they go into {@code <qemu:commandline>}): per GPU its
     * pxb-pcie (grace), root port, vfio-user-pci device and generic initiators.
     */
    public List<QemuOption> gpuOptions() {
        List<QemuOption> out = new ArrayList<>();
        long perGpu = GpuWindow.perGpu(deviceMemory);
        for (int g = 0; g < gpus(); g++) {
            String portBus = "pcie.0";
            if (topology == QemuTopology.GRACE) {
                Map<String, Object> pxb = new LinkedHashMap<>();
                pxb.put("driver", "pxb-pcie");
                pxb.put("id", bridgeId(g));
                pxb.put("bus", "pcie.0");
                pxb.put("bus_nr", bridgeBus(g));
                pxb.put("numa_node", cpuNodeOf(g));
                out.add(new QemuOption("-device", QemuJson.object(pxb)));
                portBus = bridgeId(g); // the pxb's root bus is named after the pxb (pci_expander_bridge.c)
            }
            Map<String, Object> port = new LinkedHashMap<>();
            port.put("driver", "pcie-root-port");
            port.put("id", portId(g));
            port.put("bus", portBus);
            port.put("chassis", FIRST_CHASSIS + g);
            port.put("slot", g + 1);
            port.put("pref64-reserve", perGpu);
            // Root ports stay hotplug-capable, also behind a pxb: UEFI (EDK2) honours pref64-reserve only
            // on hotplug-capable ports, and a pxb's ACPI window is what the firmware programmed. With
            // "hotplug":false the window was exactly the BARs and Linux, sizing the port's window larger,
            // left BAR2/BAR4 unassigned (arm virt, QEMU 11.1). The price is harmless guest log noise:
            // "bridge window [io size 0x1000]: can't assign; no space" (a pxb gets no I/O ports).
            out.add(new QemuOption("-device", QemuJson.object(port)));
            out.add(new QemuOption("-device", VfioUserPciJson.device(sockets.get(g), deviceId(g), portId(g))));
            for (int k = 0; k < NODES_PER_GPU; k++) {
                int node = firstNode(g) + k;
                out.add(new QemuOption(
                        "-object",
                        "acpi-generic-initiator,id=gi" + node + ",pci-dev=" + deviceId(g) + ",node=" + node));
            }
        }
        return out;
    }

    /**
     * {@code --spare-ports}: empty root ports on pcie.0 (pcie.0 itself refuses hot-plugging, VU-9.4)
     * with a GPU-sized prefetchable window each, so a GPU served later can be added to the running
     * guest with QMP {@code device_add} (bus = the port's id, addr 0). They are hotplug-capable like
     * every pcie-root-port; the guest's pciehp driver sees the new device through the slot's
     * presence-detect interrupt. A hot-added GPU gets no generic-initiator nodes: QEMU builds the
     * SRAT at boot, from the devices present then.
     */
    public List<QemuOption> sparePortOptions() {
        List<QemuOption> out = new ArrayList<>();
        for (int s = 0; s < sparePorts; s++) {
            Map<String, Object> port = new LinkedHashMap<>();
            port.put("driver", "pcie-root-port");
            port.put("id", sparePortId(s));
            port.put("bus", "pcie.0");
            port.put("chassis", FIRST_CHASSIS + gpus() + s);
            port.put("slot", gpus() + s + 1);
            port.put("mem-reserve", GpuWindow.HOTPLUG_MEM_RESERVE);
            port.put("pref64-reserve", GpuWindow.perGpu(deviceMemory));
            out.add(new QemuOption("-device", QemuJson.object(port)));
        }
        return out;
    }

    static String range(int from, int to) {
        return from == to ? Integer.toString(from) : from + "-" + to;
    }

    /** One option per line, continued with backslashes: paste after the QEMU binary's name. */
    public String render() {
        return render(List.of());
    }

    /** As {@link #render()}, with {@code extra} options after the layout's own (-qmp, say). */
    public String render(List<QemuOption> extra) {
        List<QemuOption> opts = new ArrayList<>(options());
        opts.addAll(extra);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < opts.size(); i++) {
            sb.append(opts.get(i).shell());
            sb.append(i + 1 < opts.size() ? " \\\n" : "\n");
        }
        return sb.toString();
    }
}
