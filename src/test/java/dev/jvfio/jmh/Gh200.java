package dev.jvfio.jmh;

import dev.jvfio.device.DmaSpace;
import dev.jvfio.device.Vfio;
import dev.jvfio.device.VfioException;
import dev.jvfio.nvgrace.NvGraceGpuDevice;
import dev.jvfio.profile.DeviceProfiles;
import dev.jvfio.profile.GpuOptions;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** The GH200 device model the benchmarks use, built the way {@code jvfio serve} builds it. */
final class Gh200 {
    private Gh200() {}

    /** 2.75 GiB GH200 (usemem 1.5 GiB in a 2 GiB BAR4, resmem in BAR2): small, same code paths. */
    static final long MEMORY = (2L << 30) + (768L << 20);

    /** A GH200 (default policy and layout, real clocks), attached as on a client's connect, memory decode on. */
    static NvGraceGpuDevice open() throws IOException, VfioException {
        NvGraceGpuDevice dev = (NvGraceGpuDevice) DeviceProfiles.create(
                GpuOptions.defaults().withName("jmh-gh200").withMemorySize(MEMORY));
        dev.attach(DmaSpace.NONE);
        MemorySegment cmd = MemorySegment.ofArray(new byte[2]);
        dev.read(Vfio.PCI_CONFIG_REGION_INDEX, 4, cmd);
        cmd.set(ValueLayout.JAVA_BYTE, 0, (byte) (cmd.get(ValueLayout.JAVA_BYTE, 0) | 0x2));
        dev.write(Vfio.PCI_CONFIG_REGION_INDEX, 4, cmd);
        return dev;
    }
}
