package dev.jvfio.lspci;

import dev.jvfio.client.ServerCapabilities;
import dev.jvfio.device.DeviceInfo;
import dev.jvfio.device.IrqInfo;
import dev.jvfio.device.RegionInfo;

/** What {@code jvfio lspci} needs from a served device: the vfio-user client's view of it. */
public interface DeviceView extends AutoCloseable {
    DeviceInfo deviceInfo() throws Exception;

    /** What the server announced in VERSION (VU-3.3), or null if not known. */
    default ServerCapabilities serverCapabilities() {
        return null;
    }

    RegionInfo regionInfo(int index) throws Exception;

    IrqInfo irqInfo(int index) throws Exception;

    byte[] read(int region, long offset, int count) throws Exception;

    @Override
    void close();
}
