package dev.jvfio.profile;

import dev.jvfio.device.VfioDevice;
import dev.jvfio.device.VfioException;
import dev.jvfio.engine.CopyEngine;
import dev.jvfio.hw.GpuSpec;
import dev.jvfio.hw.SimulatedGraceGpu;
import dev.jvfio.nvgrace.NvGraceGpuDevice;
import dev.jvfio.nvgrace.NvGraceOptions;
import dev.jvfio.nvgrace.ReadinessClock;
import dev.jvfio.pci.VfioPciDevice;
import dev.jvfio.sample.SampleDevice;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

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
        if (options.profile().equalsIgnoreCase(GpuOptions.SAMPLE_PROFILE)) {
            return createSample(options);
        }
        GpuProfile profile = GpuProfile.byName(options.profile())
                .orElseThrow(() -> new IllegalArgumentException(
                        "unknown profile '" + options.profile() + "'; known: " + String.join(", ", names())));
        return createGpu(profile, options, ReadinessClock.SYSTEM, System::nanoTime);
    }

    /**
     * Creates a GPU device with injected time: {@code clock} drives the variant's readiness wait and
     * {@code hardwareClock} the simulated GPU's recovery after reset (tests use a fake pair).
     */
    public static NvGraceGpuDevice createGpu(
            GpuProfile profile, GpuOptions options, ReadinessClock clock, LongSupplier hardwareClock)
            throws IOException {
        String name = options.displayName();
        GpuSpec spec = specFor(profile, options);
        SimulatedGraceGpu gpu = SimulatedGraceGpu.create(name, spec, hardwareClock);
        VfioPciDevice core = null;
        try {
            core = gpu.physicalFunction(name).build();
            NvGraceOptions nv = new NvGraceOptions(
                    options.policy(),
                    options.layout(),
                    options.carveRule(),
                    options.kernelExactQuirks(),
                    options.readinessPoll(),
                    options.readinessTimeout(),
                    clock);
            NvGraceGpuDevice device = NvGraceGpuDevice.probe(core, gpu, nv);
            gpu.bar0().connectEngine(CopyEngine.of(core, usemem(gpu, device)));
            if (options.migrateSharedMemory()) {
                if (options.backingFile() == null) {
                    device.close();
                    throw new IllegalArgumentException("migrating with a shared memory file needs a backing file");
                }
                device.migration().shareMemoryFile(true);
            }
            return device;
        } catch (VfioException e) {
            closeQuietly(core, gpu);
            throw new IOException(
                    "cannot create " + profile.profileName() + " device '" + name + "': " + e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            closeQuietly(core, gpu);
            throw e;
        }
    }

    /**
     * The device memory the copy engine works on: usemem (BAR4's memory, DMA-1.4), or nothing
     * when the variant emulates no memory (every device-memory copy then fails with 0x83).
     */
    private static MemorySegment usemem(SimulatedGraceGpu gpu, NvGraceGpuDevice device) {
        return device.memoryLayout()
                .flatMap(layout -> gpu.deviceMemory()
                        .map(m -> m.segment()
                                .asSlice(
                                        layout.usemem().fileOffset(),
                                        layout.usemem().length())))
                .orElse(MemorySegment.NULL);
    }

    /** The simulated hardware a profile and options describe. */
    public static GpuSpec specFor(GpuProfile profile, GpuOptions options) {
        long size = options.memorySize() != null ? options.memorySize() : profile.defaultMemorySize();
        return GpuSpec.of(profile.deviceId(), !profile.needsCarveOut(), size)
                .withFirmwareProperties(options.firmwareProperties())
                .withNotReadyAfterReset(options.notReadyAfterReset())
                .withBackingFile(options.backingFile());
    }

    private static void closeQuietly(VfioPciDevice core, SimulatedGraceGpu gpu) {
        if (core != null) {
            core.close();
        }
        gpu.close();
    }

    private static VfioDevice createSample(GpuOptions options) throws IOException {
        if (options.migrateSharedMemory()) {
            throw new IllegalArgumentException("the sample device has no memory file to share over a migration");
        }
        return SampleDevice.create(options.displayName());
    }
}
