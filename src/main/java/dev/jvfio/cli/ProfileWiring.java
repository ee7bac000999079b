package dev.jvfio.cli;

import dev.jvfio.device.VfioDevice;
import dev.jvfio.nvgrace.MemoryEnablePolicy;
import dev.jvfio.nvgrace.RegionLayout;
import dev.jvfio.profile.DeviceProfiles;
import dev.jvfio.profile.GpuOptions;
import dev.jvfio.profile.GpuProfile;
import java.io.IOException;
import java.util.Locale;

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
        return GpuProfile.byName(spec.profile()).map(GpuProfile::defaultMemorySize).orElse(null);
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
            throw new CommandFailure(spec.name() + ": cannot create the device: " + e.getMessage(), e);
        }
    }
}
