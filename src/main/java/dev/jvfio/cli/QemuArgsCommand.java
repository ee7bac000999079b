package dev.jvfio.cli;

import dev.jvfio.profile.GpuProfile;
import dev.jvfio.qemu.GpuWindow;
import dev.jvfio.qemu.LibvirtDomain;
import dev.jvfio.qemu.QemuMachine;
import dev.jvfio.qemu.QemuOption;
import dev.jvfio.qemu.QemuTopology;
import dev.jvfio.qemu.ShellWords;
import dev.jvfio.qemu.VmLayout;
import dev.jvfio.units.ByteSize;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "qemu-args",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        header = "Print the QEMU options that attach served GPUs, NUMA nodes included.",
        description = {
            "Prints the QEMU options that attach N served GPUs to a guest: shared",
            "guest RAM, one vfio-user-pci per socket on its own PCIe root port, 64-bit",
            "windows large enough for the BARs, and 8 NUMA nodes per GPU with an",
            "acpi-generic-initiator each. Paste the output after the QEMU binary's name",
            "(QEMU 10.1 or later), or with --libvirt get a libvirt domain. See docs/qemu.md."
        })
final class QemuArgsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--gpus", paramLabel = "N", description = "Number of GPUs (default: one per --socket, else 1).")
    Integer gpus;

    @Option(
            names = "--socket",
            paramLabel = "PATH",
            description = "Socket of a served GPU; repeat once per GPU (default: the sockets 'jvfio serve' uses).")
    List<Path> sockets = new ArrayList<>();

    @Option(
            names = "--machine",
            paramLabel = "q35|virt",
            converter = Converters.Machine.class,
            description = "QEMU machine type (default: ${DEFAULT-VALUE}).",
            defaultValue = "q35")
    QemuMachine machine;

    @Option(
            names = "--profile",
            paramLabel = "NAME",
            defaultValue = "gh200",
            description =
                    "GPU profile served, as given to 'jvfio serve' (default: ${DEFAULT-VALUE}); gives the default --mem-size.")
    String profile;

    @Option(
            names = "--mem-size",
            paramLabel = "SIZE",
            converter = Converters.Size.class,
            description =
                    "Device memory of each GPU, as given to 'jvfio serve' (default: the profile's); sizes the 64-bit windows.")
    ByteSize memSize;

    @Option(
            names = "--ram",
            paramLabel = "SIZE",
            converter = Converters.Size.class,
            defaultValue = "16G",
            description = "Guest RAM (default: ${DEFAULT-VALUE}), split evenly over the CPU NUMA nodes.")
    ByteSize ram;

    @Option(names = "--cpus", paramLabel = "N", defaultValue = "4", description = "vCPUs (default: ${DEFAULT-VALUE}).")
    int cpus;

    /** QEMU's limits (hw/i386/pc_q35.c max_cpus; hw/arm/virt.c with GICv3). */
    static final int MAX_CPUS_Q35 = 4096, MAX_CPUS_VIRT = 512;
    /** The widest guest physical address QEMU's CPUs offer (x86 and arm64 alike). */
    static final int MAX_PHYS_BITS = 52;
    /** Half of that address space: the rest is for the 64-bit PCI windows. */
    static final long MAX_GUEST_RAM = 1L << (MAX_PHYS_BITS - 1);

    @Option(
            names = "--topology",
            paramLabel = "flat|grace",
            converter = Converters.Topology.class,
            defaultValue = "flat",
            description =
                    "NUMA layout (default: ${DEFAULT-VALUE}). flat: CPUs and RAM on nodes 0 and 1, GPUs on the main"
                            + " host bridge. grace: one CPU+RAM node per GPU, as on a GH200 NVL2 / GB200 NVL4 node, each GPU"
                            + " behind a pxb-pcie of its node, so the guest sees each GPU's numa_node.")
    QemuTopology topology;

    @Option(
            names = "--spare-ports",
            paramLabel = "N",
            defaultValue = "0",
            description = "Empty hot-pluggable PCIe root ports to add (0 to " + VmLayout.MAX_SPARE_PORTS
                    + ", default: ${DEFAULT-VALUE}), each with a window for one GPU of --mem-size: a GPU served later"
                    + " joins the running guest with QMP device_add into one (bus spareN-port, addr 0).")
    int sparePorts;

    @Option(
            names = "--qmp",
            paramLabel = "PATH",
            description =
                    "Add a QMP socket at PATH (-qmp unix:PATH,server=on,wait=off): give the same PATH to"
                            + " 'jvfio serve --qmp', which asks QEMU there to unplug the GPUs (device_del gpuN) before it stops.")
    Path qmp;

    @Option(
            names = "--libvirt",
            description =
                    "Print a libvirt domain (XML: memoryBacking, cpu topology and NUMA cells, qemu:commandline) instead of QEMU options.")
    boolean libvirt;

    /** Debian's qemu-efi-aarch64 installs the UEFI firmware here. */
    static final String AARCH64_UEFI = "/usr/share/qemu-efi-aarch64/QEMU_EFI.fd";

    @Override
    public Integer call() {
        int count;
        if (gpus == null) {
            count = sockets.isEmpty() ? 1 : sockets.size();
        } else {
            count = gpus;
            if (count < 1) throw new UsageError("--gpus must be at least 1, not " + count);
            if (!sockets.isEmpty() && sockets.size() != count) {
                throw new UsageError("--gpus " + count + " needs " + count + " --socket options (one per GPU), got "
                        + sockets.size());
            }
        }
        if (!DeviceSpec.PROFILES.contains(profile)) {
            throw new UsageError("--profile: '" + profile + "' is not allowed; allowed values: "
                    + String.join(", ", DeviceSpec.PROFILES));
        }
        for (Path s : sockets) {
            if (s.toString().isEmpty()) throw new UsageError("--socket: the path is empty");
        }
        long deviceMemory;
        if (memSize != null) {
            deviceMemory = memSize.bytes();
            ProfileWiring.memorySizeProblem(profile, deviceMemory).ifPresent(why -> {
                throw new UsageError("--mem-size: " + why);
            });
        } else {
            deviceMemory = GpuProfile.byName(profile)
                    .map(GpuProfile::defaultMemorySize)
                    .orElse(GpuWindow.MINIMUM / 2);
        }
        if (deviceMemory <= 0) throw new UsageError("--mem-size must be positive");
        int maxCpus = machine == QemuMachine.VIRT ? MAX_CPUS_VIRT : MAX_CPUS_Q35;
        if (cpus < 1 || cpus > maxCpus) {
            throw new UsageError("--cpus " + cpus + " is not a vCPU count QEMU's "
                    + machine.name().toLowerCase(Locale.ROOT) + " machine takes; allowed: 1 to " + maxCpus);
        }
        if (ram.bytes() > MAX_GUEST_RAM) {
            throw new UsageError(
                    "--ram " + ram.human() + " does not fit a guest's physical address space; allowed: up to "
                            + new ByteSize(MAX_GUEST_RAM).human());
        }
        if (sparePorts < 0 || sparePorts > VmLayout.MAX_SPARE_PORTS) {
            throw new UsageError("--spare-ports " + sparePorts + " is out of range; allowed: 0 to "
                    + VmLayout.MAX_SPARE_PORTS + " (empty root ports on pcie.0, one GPU window each)");
        }
        String ramProblem = VmLayout.ramProblem(ram.bytes(), topology, count);
        if (ramProblem != null) throw new UsageError("--ram " + ramProblem);
        VmLayout layout;
        try {
            layout = new VmLayout(
                    machine,
                    topology,
                    SocketPaths.resolve(sockets, count, System.getenv()),
                    ram.bytes(),
                    cpus,
                    deviceMemory,
                    sparePorts);
        } catch (IllegalArgumentException e) {
            throw new UsageError(
                    (gpus != null ? "--gpus " + count : count + " --socket options") + ": " + e.getMessage());
        }
        int bits = layout.q35PhysBits();
        if (machine == QemuMachine.Q35 && bits > MAX_PHYS_BITS) {
            throw new UsageError("RAM and the 64-bit PCI hole for " + layout.gpus() + " GPU(s)"
                    + (sparePorts > 0 ? " and " + sparePorts + " spare port(s)" : "") + " need " + bits
                    + " guest physical address bits, more than QEMU's x86 CPUs have (" + MAX_PHYS_BITS
                    + "); use less --ram or --mem-size, or fewer --gpus");
        }
        if (qmp != null && qmp.toString().isEmpty()) throw new UsageError("--qmp: the path is empty");
        if (qmp != null && libvirt) {
            throw new UsageError("--qmp and --libvirt: libvirt owns the domain's QMP socket; unplug with"
                    + " 'virsh detach-device' instead (see docs/qemu.md)");
        }
        List<QemuOption> extra = qmp == null
                ? List.of()
                : List.of(new QemuOption("-qmp", "unix:" + qmp.toAbsolutePath().normalize() + ",server=on,wait=off"));
        PrintWriter out = spec.commandLine().getOut();
        out.print(libvirt ? LibvirtDomain.render(layout) : layout.render(extra));
        out.flush();
        PrintWriter err = spec.commandLine().getErr();
        if (libvirt) {
            libvirtHints(err, layout);
        } else {
            pasteHints(err, layout);
        }
        if (sparePorts > 0) {
            err.println("# hot-add a served GPU into a spare port (QMP): {\"execute\":\"device_add\",\"arguments\":"
                    + "{\"driver\":\"vfio-user-pci\",\"id\":\"gpuN\",\"bus\":\"" + VmLayout.sparePortId(0)
                    + "\",\"addr\":\"0\",\"socket\":{\"type\":\"unix\",\"path\":\"/path/to/gpuN.sock\"}}}");
        }
        err.flush();
        return 0;
    }

    private void pasteHints(PrintWriter err, VmLayout layout) {
        if (machine == QemuMachine.Q35) {
            int bits = layout.q35PhysBits();
            err.println("# paste after: qemu-system-x86_64 -accel kvm -cpu host ...");
            err.println("# without KVM (TCG): qemu-system-x86_64 -accel tcg -cpu max,phys-bits=" + bits + " ...");
            err.println("# the 64-bit PCI hole needs " + bits + " guest physical address bits: -cpu host on a host with"
                    + " at least that many (KVM), or -cpu max,phys-bits=" + bits + " (TCG)");
        } else {
            err.println("# paste after: qemu-system-aarch64 -accel kvm -cpu host -bios " + AARCH64_UEFI + " ...");
            err.println("# without KVM (TCG): qemu-system-aarch64 -accel tcg -cpu max,pauth-impdef=on -bios "
                    + AARCH64_UEFI + " ...");
            err.println("# -bios: UEFI firmware (Debian: qemu-efi-aarch64), for ACPI: the NUMA affinity"
                    + (topology == QemuTopology.GRACE ? " and the pxb-pcie bridges reach" : " reaches")
                    + " the guest only through ACPI");
        }
    }

    private static void libvirtHints(PrintWriter err, VmLayout layout) {
        StringBuilder socketArgs = new StringBuilder();
        boolean userRuntimeDir = false;
        for (Path s : layout.sockets()) {
            socketArgs.append(" --socket ").append(ShellWords.quote(s.toString()));
            if (s.startsWith("/run/user")) userRuntimeDir = true;
        }
        if (userRuntimeDir) {
            err.println("# warning: libvirt's QEMU cannot reach sockets under /run/user (mode 0700): serve on e.g."
                    + " /run/jvfio/gpuN.sock and pass the same --socket options here");
        }
        err.println(
                "# serve for libvirt's QEMU user (Debian/Ubuntu: libvirt-qemu, group kvm; Fedora/RHEL: qemu, group qemu):");
        err.println("#   jvfio serve --gpus " + layout.gpus() + socketArgs
                + " --socket-group kvm --allow-uid $(id -u libvirt-qemu)");
    }
}
