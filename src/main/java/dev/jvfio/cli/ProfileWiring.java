package dev.jvfio.cli;

import dev.jvfio.device.VfioDevice;
import dev.jvfio.nvgrace.MemoryEnablePolicy;
import dev.jvfio.nvgrace.RegionLayout;
import dev.jvfio.profile.DeviceProfiles;
import dev.jvfio.profile.GpuOptions;
import dev.jvfio.profile.GpuProfile;
import dev.jvfio.units.ByteSize;
import java.io.IOException;
import java.util.Locale;
import java.util.Optional;

/** Connects {@link DeviceSpec} to the device profiles (package dev.jvfio.profile). */
final class ProfileWiring implements DeviceMaker {
    static GpuOptions options(DeviceSpec spec) {
        return GpuOptions.defaults()
                .withProfile(spec.profile())
                .withName(spec.name())
                .withMemorySize(spec.memSize())
                .withNotReadyAfterReset(spec.readyDelay())
                .withPolicy(MemoryEnablePolicy.valueOf(spec.memoryEnable().toUpperCase(Locale.ROOT)))
                .withLayout(RegionLayout.valueOf(spec.layout().toUpperCase(Locale.ROOT)))
                .withBackingFile(spec.backingFile());
    }

    /** The device memory a spec ends up with: its own size or its profile's default (null for sample). */
    static Long effectiveMemory(DeviceSpec spec) {
        if (spec.memSize() != null) return spec.memSize();
        return GpuProfile.byName(spec.profile())
                .map(GpuProfile::defaultMemorySize)
                .orElse(null);
    }

    /** Whether devices of {@code profile} have device memory (to size, or to keep in a backing file). */
    static boolean hasDeviceMemory(String profile) {
        return GpuProfile.byName(profile).isPresent();
    }

    /**
     * Why a device of {@code profile} cannot have {@code bytes} of device memory, or empty: the chip's
     * own rule ({@link GpuProfile#memorySizes()}), and the sample device has no device memory at all.
     */
    static Optional<String> memorySizeProblem(String profile, long bytes) {
        Optional<GpuProfile> gpu = GpuProfile.byName(profile);
        if (gpu.isEmpty()) return Optional.of("the " + profile + " profile has no device memory to size");
        return gpu.get().memorySizes().problem(bytes).map(why -> profile + " device memory of " + why);
    }

    @Override
    public VfioDevice create(DeviceSpec spec, Progress progress) {
        Long mem = effectiveMemory(spec);
        String what = "creating " + spec.name() + " (" + spec.profile()
                + (mem == null ? "" : ", " + new ByteSize(mem).human() + " device memory")
                + (spec.backingFile() == null ? "" : " in " + spec.backingFile()) + ")";
        progress.begin(what);
        try {
            VfioDevice device = DeviceProfiles.create(options(spec));
            progress.done();
            return device;
        } catch (IllegalArgumentException e) {
            throw new UsageError(spec.name() + ": " + e.getMessage());
        } catch (IOException e) {
            UsageError refusal = BackingFiles.refusal(spec, e, null).orElse(null);
            if (refusal != null) throw refusal;
            throw new CommandFailure(spec.name() + ": cannot create the device: " + e.getMessage(), e);
        }
    }
}
