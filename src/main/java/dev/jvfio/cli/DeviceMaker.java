package dev.jvfio.cli;

import dev.jvfio.device.VfioDevice;

/** Builds the device model for one {@link DeviceSpec}; the CLI holds no device logic itself. */
interface DeviceMaker {
    VfioDevice create(DeviceSpec spec, Progress progress) throws Exception;
}
