package dev.jvfio.profile;

import dev.jvfio.nvgrace.CarveRule;
import dev.jvfio.nvgrace.MemoryEnablePolicy;
import dev.jvfio.nvgrace.RegionLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Everything that selects and tunes one device; {@link DeviceProfiles#create(GpuOptions)} builds it.
 * The CLI maps flags and JSON configs onto this record. Start from {@link #defaults()} and use the
 * withers; every field has a meaningful default.
 *
 * @param profile            "gh200" (default), "gh200-480gb", "gh200-sku", "gb200", "gb300", or "sample"
 *                           (the PCI sample device; the GPU fields are then ignored)
 * @param name               device name for logs; null = the profile name
 * @param memorySize         bytes of device memory the firmware reports; null = the profile's default.
 *                           0 models a chip-to-chip link that is down: the device behaves exactly like
 *                           plain vfio-pci (NV-2.2). Sizes need not be powers of two.
 * @param firmwareProperties false models firmware without the memory properties (NV-2.2: plain vfio-pci)
 * @param notReadyAfterReset how long the simulated GPU's readiness registers (BAR0 0x1498, 0x200BC) read
 *                           "not ready" after each reset (NV-7); ZERO = ready at once
 * @param readinessPoll      poll interval of the readiness wait (driver: 1 s)
 * @param readinessTimeout   give-up time of the readiness wait, then ETIME (driver: 30 s)
 * @param policy             memory-enable policy: IGNORE (default, upstream), HARDWARE or STRICT (NV-6)
 * @param layout             BAR (default, upstream) or REGION (the rejected alternative, NV-6.4)
 * @param carveRule          CURRENT (default) or LINUX_6_9 carve-out rounding (NV-2.4)
 * @param backingFile        null = device memory in an anonymous sparse memfd; else this file (created with
 *                           the memory size or of exactly that size, locked while served; content
 *                           survives restarts)
 * @param kernelExactQuirks  reproduce kernel quirks a VMM never hits (NV-4.4 resmem straddle count)
 * @param migrateSharedMemory migration streams leave device memory out: the server at the other end
 *                           opens the same {@code backingFile} on this host (it checks; needs a backing file)
 */
public record GpuOptions(
        String profile,
        String name,
        Long memorySize,
        boolean firmwareProperties,
        Duration notReadyAfterReset,
        Duration readinessPoll,
        Duration readinessTimeout,
        MemoryEnablePolicy policy,
        RegionLayout layout,
        CarveRule carveRule,
        Path backingFile,
        boolean kernelExactQuirks,
        boolean migrateSharedMemory) {

    public static final String DEFAULT_PROFILE = "gh200";
    public static final String SAMPLE_PROFILE = "sample";

    public GpuOptions {
        Objects.requireNonNull(profile, "profile");
        Objects.requireNonNull(notReadyAfterReset, "notReadyAfterReset");
        Objects.requireNonNull(readinessPoll, "readinessPoll");
        Objects.requireNonNull(readinessTimeout, "readinessTimeout");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(layout, "layout");
        Objects.requireNonNull(carveRule, "carveRule");
        if (memorySize != null && memorySize < 0) {
            throw new IllegalArgumentException("memory size must not be negative: " + memorySize);
        }
        if (notReadyAfterReset.isNegative()
                || readinessTimeout.isNegative()
                || readinessPoll.isNegative()
                || readinessPoll.isZero()) {
            throw new IllegalArgumentException("readiness durations must be positive (poll) / not negative");
        }
    }

    /** gh200, profile memory size, ready at once, driver timing, IGNORE, BAR, CURRENT, memfd, no quirks. */
    public static GpuOptions defaults() {
        return new GpuOptions(
                DEFAULT_PROFILE,
                null,
                null,
                true,
                Duration.ZERO,
                Duration.ofSeconds(1),
                Duration.ofSeconds(30),
                MemoryEnablePolicy.IGNORE,
                RegionLayout.BAR,
                CarveRule.CURRENT,
                null,
                false,
                false);
    }

    public GpuOptions withProfile(String v) {
        return edit(b -> b.profile = v);
    }

    public GpuOptions withName(String v) {
        return edit(b -> b.name = v);
    }

    public GpuOptions withMemorySize(Long v) {
        return edit(b -> b.memorySize = v);
    }

    public GpuOptions withFirmwareProperties(boolean v) {
        return edit(b -> b.firmwareProperties = v);
    }

    public GpuOptions withNotReadyAfterReset(Duration v) {
        return edit(b -> b.notReadyAfterReset = v);
    }

    public GpuOptions withReadinessPoll(Duration v) {
        return edit(b -> b.readinessPoll = v);
    }

    public GpuOptions withReadinessTimeout(Duration v) {
        return edit(b -> b.readinessTimeout = v);
    }

    public GpuOptions withPolicy(MemoryEnablePolicy v) {
        return edit(b -> b.policy = v);
    }

    public GpuOptions withLayout(RegionLayout v) {
        return edit(b -> b.layout = v);
    }

    public GpuOptions withCarveRule(CarveRule v) {
        return edit(b -> b.carveRule = v);
    }

    public GpuOptions withBackingFile(Path v) {
        return edit(b -> b.backingFile = v);
    }

    public GpuOptions withKernelExactQuirks(boolean v) {
        return edit(b -> b.kernelExactQuirks = v);
    }

    public GpuOptions withMigrateSharedMemory(boolean v) {
        return edit(b -> b.migrateSharedMemory = v);
    }

    /** The device name for logs: {@link #name} or the profile name. */
    public String displayName() {
        return name != null ? name : profile;
    }

    /** One component changed, the rest kept: what every {@code with} method does. */
    private GpuOptions edit(Consumer<Copy> change) {
        Copy c = new Copy(this);
        change.accept(c);
        return c.build();
    }

    /** The components of a {@code GpuOptions} as fields, for {@link #edit}. */
    private static final class Copy {
        String profile;
        String name;
        Long memorySize;
        boolean firmwareProperties;
        Duration notReadyAfterReset;
        Duration readinessPoll;
        Duration readinessTimeout;
        MemoryEnablePolicy policy;
        RegionLayout layout;
        CarveRule carveRule;
        Path backingFile;
        boolean kernelExactQuirks;
        boolean migrateSharedMemory;

        Copy(GpuOptions o) {
            profile = o.profile;
            name = o.name;
            memorySize = o.memorySize;
            firmwareProperties = o.firmwareProperties;
            notReadyAfterReset = o.notReadyAfterReset;
            readinessPoll = o.readinessPoll;
            readinessTimeout = o.readinessTimeout;
            policy = o.policy;
            layout = o.layout;
            carveRule = o.carveRule;
            backingFile = o.backingFile;
            kernelExactQuirks = o.kernelExactQuirks;
            migrateSharedMemory = o.migrateSharedMemory;
        }

        GpuOptions build() {
            return new GpuOptions(
                    profile,
                    name,
                    memorySize,
                    firmwareProperties,
                    notReadyAfterReset,
                    readinessPoll,
                    readinessTimeout,
                    policy,
                    layout,
                    carveRule,
                    backingFile,
                    kernelExactQuirks,
                    migrateSharedMemory);
        }
    }
}
