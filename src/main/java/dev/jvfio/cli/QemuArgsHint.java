package dev.jvfio.cli;

import dev.jvfio.qemu.ShellWords;
import dev.jvfio.qemu.VmLayout;
import dev.jvfio.units.ByteSize;
import java.util.List;

/**
 * The end of serve's ready line: how to get the QEMU options for what it serves. Only what
 * {@code qemu-args} takes: GPUs of one profile, at most {@link #MAX_GPUS_PER_VM} of them per VM
 * (their NUMA node ids must stay below QEMU's limit); the sample device has no NUMA nodes and
 * needs only its {@code -device} option and shared guest RAM.
 */
final class QemuArgsHint {
    /** The flat topology's two CPU nodes plus 8 per GPU below QEMU's 128 node ids: 15. */
    static final int MAX_GPUS_PER_VM = (VmLayout.QEMU_MAX_NODES - 2) / VmLayout.NODES_PER_GPU;

    private QemuArgsHint() {}

    static String of(List<DeviceSpec> specs) {
        List<DeviceSpec> gpus = specs.stream()
                .filter(s -> ProfileWiring.effectiveMemory(s) != null)
                .toList();
        if (gpus.isEmpty()) {
            return "attach each device with its -device option above; the guest RAM must be shared"
                    + " (-object memory-backend-memfd,...,share=on; see docs/qemu.md)";
        }
        String profile = gpus.getFirst().profile();
        Long mem = ProfileWiring.effectiveMemory(gpus.getFirst());
        boolean alike = gpus.stream()
                .allMatch(s -> s.profile().equals(profile) && mem.equals(ProfileWiring.effectiveMemory(s)));
        List<DeviceSpec> shown = gpus.subList(0, Math.min(gpus.size(), MAX_GPUS_PER_VM));
        StringBuilder sb = new StringBuilder(
                gpus.size() > MAX_GPUS_PER_VM
                        ? "for the QEMU options of a VM with the first " + MAX_GPUS_PER_VM + " GPUs"
                        : "for all the QEMU options");
        sb.append(" run 'jvfio qemu-args");
        for (DeviceSpec s : shown)
            sb.append(" --socket ").append(ShellWords.quote(s.socket().toString()));
        if (!profile.equals(DeviceSpec.DEFAULT_PROFILE))
            sb.append(" --profile ").append(profile);
        sb.append(" --mem-size ").append(new ByteSize(mem).qemu()).append('\'');
        if (gpus.size() > MAX_GPUS_PER_VM) {
            sb.append(" (QEMU takes at most ").append(MAX_GPUS_PER_VM).append(" GPUs per VM: one such command per VM)");
        }
        if (!alike) sb.append(" (the GPUs differ: give each VM's profile and --mem-size)");
        if (gpus.size() < specs.size()) sb.append(" (the sample devices: their -device option above)");
        return sb.toString();
    }
}
