package dev.jvfio.profile;

import dev.jvfio.device.VfioDevice;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds devices by profile name: the simulated GPU hardware ({@code hw}) with the nvgrace variant
 * ({@code nvgrace}) on top, or the PCI sample device. Each call creates an independent device (own
 * memory, own state), so one server process can serve several, each on its own socket.
 */
public final class DeviceProfiles {
    private DeviceProfiles() {}

    /** Every profile name {@link #create} accepts: the GPU profiles, then "sample". */
    public static List<String> names() {
        List<String> names = new ArrayList<>(GpuProfile.names());
        names.add(GpuOptions.SAMPLE_PROFILE);
        return List.copyOf(names);
    }

    /**
     * Creates the device described by {@code options}. The caller owns the device and closes it
     * (which releases its memory file).
     *
     * @throws IllegalArgumentException unknown profile or impossible combination (e.g. memory too
     *                                  small for the carve-out: the real driver fails the device too)
     * @throws IOException              the memory file or its mapping could not be created, or the GPU
     *                                  never became ready at probe (NV-7.2)
     */
    public static VfioDevice create(GpuOptions options) throws IOException {
        throw new UnsupportedOperationException("device factory lands with the hw and pci layers");
    }
}
