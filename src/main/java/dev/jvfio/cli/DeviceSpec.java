package dev.jvfio.cli;

import dev.jvfio.hw.GpuSpec;
import dev.jvfio.profile.DeviceProfiles;
import dev.jvfio.units.ByteSize;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * One device to serve, as the user described it (command line or config file), already validated.
 *
 * @param name         short name for logs ("gpu0")
 * @param profile      one of {@link #PROFILES}
 * @param socket       absolute socket path
 * @param memSize      device memory in bytes, or null for the profile's default
 * @param memoryEnable one of {@link #MEMORY_ENABLE}
 * @param layout       one of {@link #LAYOUTS}
 * @param readyDelay   how long the simulated GPU takes to become ready after a reset (NV-7)
 * @param backingFile  file holding device memory (survives restarts), or null for a memfd
 * @param qmp          the QMP socket of the VMM that attaches the device (asked to unplug it when it
 *                     must go), or null
 */
public record DeviceSpec(
        String name,
        String profile,
        Path socket,
        Long memSize,
        String memoryEnable,
        String layout,
        Duration readyDelay,
        Path backingFile,
        Path qmp) {
    /** gh200, gh200-480gb, gh200-sku, gb200, gb300, sample: whatever the profile factory builds. */
    public static final List<String> PROFILES = DeviceProfiles.names();

    public static final List<String> MEMORY_ENABLE = List.of("ignore", "hardware", "strict");
    public static final List<String> LAYOUTS = List.of("bar", "region");
    public static final String DEFAULT_PROFILE = "gh200";
    public static final String DEFAULT_MEMORY_ENABLE = "ignore";
    public static final String DEFAULT_LAYOUT = "bar";
    public static final Duration DEFAULT_READY_DELAY = Duration.ZERO;
    /** Longest --ready-delay: the simulated GPU's own limit. */
    public static final Duration MAX_READY_DELAY = GpuSpec.MAX_NOT_READY_AFTER_RESET;
    /**
     * Most devices one serve process takes: each holds a socket, a thread and a memory file, and QEMU
     * attaches at most 15 GPUs to one VM (NUMA node ids below 128, 8 per GPU), so 256 already covers
     * 17 full VMs; a larger count is more likely a typo than a plan.
     */
    public static final int MAX_DEVICES = 256;
    /**
     * Most device memory one serve process maps: 64 TiB, half the 128 TiB user address space of
     * x86-64 Linux, leaving the rest for the JVM and the guest RAM that clients map into it (DMA).
     */
    public static final long MAX_SERVED_MEMORY = 64L << 40;

    /** "0" to "60m": why {@code delay} is no ready delay, or null. */
    static String readyDelayProblem(Duration delay) {
        if (delay.compareTo(MAX_READY_DELAY) <= 0) return null;
        return Converters.text(delay) + " is longer than the simulated GPU allows; allowed: 0 to "
                + MAX_READY_DELAY.toMinutes() + "m";
    }

    /** "gh200, 96 GiB, memory-enable ignore, layout bar" for the serve banner. */
    public String summary() {
        StringBuilder sb = new StringBuilder(profile);
        Long mem = ProfileWiring.effectiveMemory(this);
        if (mem != null) sb.append(", ").append(new ByteSize(mem).human());
        if (!profile.equals("sample")) {
            sb.append(", memory-enable ")
                    .append(memoryEnable)
                    .append(", layout ")
                    .append(layout);
            if (!readyDelay.isZero()) sb.append(", ready-delay ").append(Converters.text(readyDelay));
        }
        if (backingFile != null) sb.append(", memory in ").append(backingFile);
        return sb.toString();
    }
}
