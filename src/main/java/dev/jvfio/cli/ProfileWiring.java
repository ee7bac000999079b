package dev.jvfio.cli;

import dev.jvfio.device.VfioDevice;

/** Connects {@link DeviceSpec} to the device profiles (package dev.jvfio.profile). */
final class ProfileWiring implements DeviceMaker {
    @Override
    public VfioDevice create(DeviceSpec spec, Progress progress) {
        throw new CommandFailure("the device profiles (" + spec.profile() + ") are not built into this jvfio yet");
    }
}
