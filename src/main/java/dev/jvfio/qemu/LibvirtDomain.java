package dev.jvfio.qemu;

import dev.jvfio.units.ByteSize;
import java.util.List;

/**
 * A libvirt domain (XML) for a {@link VmLayout}: what {@code qemu-args --libvirt} prints.
 *
 * <p>libvirt has elements for the guest RAM ({@code <memoryBacking>}: memfd, shared, VU-8.3), the
 * vCPU topology and the CPU+RAM NUMA cells; for everything else, the vfio-user device, its root port
 * and expander bridge, the 64-bit window, the GPUs' memory-less NUMA nodes and their generic
 * initiators (NV-8.2), libvirt 11.x has no element, so they go into {@code <qemu:commandline>},
 * which QEMU receives after libvirt's own options. The devices there are JSON (see {@link QemuJson}),
 * so they are created after libvirt's and take free slots.
 *
 * <p>The memory-less nodes are {@code -numa node,nodeid=N} options there, not {@code <cell memory='0'>}:
 * QEMU takes node ids from both lists as one, and the option form works with libvirts that refuse a
 * cell without memory.
 */
public final class LibvirtDomain {
    static final String QEMU_NS = "http://libvirt.org/schemas/domain/qemu/1.0";

    private LibvirtDomain() {}

    public static String render(VmLayout layout) {
        XmlLines x = new XmlLines();
        boolean virt = layout.machine() == QemuMachine.VIRT;
        int bits = layout.q35PhysBits();
        x.comment(
                "A libvirt domain with " + layout.gpus() + " jvfio GPU" + (layout.gpus() == 1 ? "" : "s") + " ("
                        + layout.topology().optionName() + " topology), made by jvfio qemu-args with its libvirt",
                "option: regenerate it for other counts, sizes or sockets rather than editing the numbers.",
                "",
                "To add the GPUs to a domain of your own, copy <memoryBacking>, <vcpu>, <cpu> (its topology",
                "and numa cells) and <qemu:commandline>, and give <domain> the xmlns:qemu attribute: without",
                "it libvirt drops <qemu:commandline> silently. Add your disk, network and console to <devices>.",
                "",
                "libvirt runs QEMU as its own user: libvirt-qemu on Debian and Ubuntu, qemu on Fedora and RHEL.",
                "jvfio serve must let that user in: serve the sockets below from a directory it can reach",
                "(e.g. /run/jvfio, not /run/user/UID) with the serve options socket-group (QEMU's group:",
                "kvm on Debian/Ubuntu, qemu on Fedora/RHEL) and allow-uid (that user's uid), or run serve as",
                "that user; AppArmor and SELinux must allow the socket too. See docs/qemu.md, section libvirt.",
                "",
                "Without KVM (TCG): <domain type='qemu'> and <cpu mode='maximum'>"
                        + (virt ? "; keep the UEFI firmware (ACPI carries" : " with"),
                virt
                        ? "the NUMA affinity and the expander bridges to the guest)."
                        : "<maxphysaddr mode='emulate' bits='" + bits + "'/> in it: the 64-bit PCI hole needs " + bits
                                + " address bits.");
        x.open("domain", "type", "kvm", "xmlns:qemu", QEMU_NS);
        x.leaf("name", "jvfio-guest");
        x.leaf("memory", Long.toString(layout.guestRam() / ByteSize.MIB), "unit", "MiB");
        if (layout.maxCpus() > layout.cpus()) {
            x.leaf(
                    "vcpu",
                    Integer.toString(layout.maxCpus()),
                    "placement",
                    "static",
                    "current",
                    Integer.toString(layout.cpus()));
        } else {
            x.leaf("vcpu", Integer.toString(layout.cpus()), "placement", "static");
        }
        x.comment("vfio-user passes guest RAM to the server as file descriptors: memfd, shared");
        x.open("memoryBacking")
                .empty("source", "type", "memfd")
                .empty("access", "mode", "shared")
                .close("memoryBacking");
        if (virt) {
            x.comment("UEFI firmware: ACPI (SRAT generic initiators, pxb-pcie) needs it on arm virt");
            x.open("os", "firmware", "efi")
                    .leaf("type", "hvm", "arch", "aarch64", "machine", "virt")
                    .close("os");
        } else {
            x.open("os").leaf("type", "hvm", "arch", "x86_64", "machine", "q35").close("os");
        }
        x.open("features").empty("acpi").close("features");
        x.open("cpu", "mode", "host-passthrough");
        x.comment("one socket per NUMA node, so no socket spans two nodes");
        x.empty(
                "topology",
                "sockets",
                Integer.toString(layout.cpuNodes()),
                "cores",
                Integer.toString(layout.coresPerNode()),
                "threads",
                "1");
        x.open("numa");
        for (int n = 0; n < layout.cpuNodes(); n++) {
            x.empty(
                    "cell",
                    "id",
                    Integer.toString(n),
                    "cpus",
                    layout.cpusOf(n),
                    "memory",
                    Long.toString(layout.ramOf(n) / ByteSize.MIB),
                    "unit",
                    "MiB");
        }
        x.close("numa");
        x.close("cpu");
        x.open("devices");
        x.comment("your disk, network and console go here");
        x.close("devices");
        x.open("qemu:commandline");
        if (virt) {
            args(
                    x,
                    List.of(new QemuOption(
                            "-machine", "highmem-mmio-size=" + new ByteSize(layout.virtHighmemMmio()).qemu())));
        } else {
            args(
                    x,
                    List.of(new QemuOption(
                            "-global", "q35-pcihost.pci-hole64-size=" + new ByteSize(layout.q35Hole64()).qemu())));
        }
        x.comment("the GPUs' memory-less NUMA nodes, " + layout.firstNode(0) + " to " + (layout.nodes() - 1)
                + ": 8 per GPU, after the CPU+RAM cells above");
        for (int node = layout.cpuNodes(); node < layout.nodes(); node++) {
            args(x, List.of(new QemuOption("-numa", "node,nodeid=" + node)));
        }
        List<QemuOption> gpu = layout.gpuOptions();
        int perGpu = gpu.size() / layout.gpus();
        for (int g = 0; g < layout.gpus(); g++) {
            x.comment("GPU " + g + ": "
                    + (layout.topology() == QemuTopology.GRACE
                            ? "expander bridge on NUMA node " + layout.cpuNodeOf(g) + ", "
                            : "")
                    + "root port, device, generic initiators for nodes " + layout.firstNode(g) + " to "
                    + (layout.firstNode(g) + VmLayout.NODES_PER_GPU - 1));
            args(x, gpu.subList(g * perGpu, (g + 1) * perGpu));
        }
        if (layout.sparePorts() > 0) {
            x.comment(
                    "spare root ports " + VmLayout.sparePortId(0)
                            + (layout.sparePorts() > 1 ? " to " + VmLayout.sparePortId(layout.sparePorts() - 1) : "")
                            + ": empty, hot-pluggable, sized for one GPU each; add a GPU later with QMP device_add",
                    "(virsh qemu-monitor-command), bus = the port's id, addr 0");
            args(x, layout.sparePortOptions());
        }
        x.close("qemu:commandline");
        x.close("domain");
        return x.toString();
    }

    private static void args(XmlLines x, List<QemuOption> options) {
        for (QemuOption o : options) {
            x.empty("qemu:arg", "value", o.name());
            x.empty("qemu:arg", "value", o.value());
        }
    }
}
