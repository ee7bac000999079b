package dev.jvfio.hw;

import dev.jvfio.devicestate.StateSection;
import dev.jvfio.os.NativeException;
import dev.jvfio.pci.PciDeviceBuilder;
import java.time.Duration;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * A simulated Grace Hopper / Grace Blackwell GPU: its physical function, firmware properties, BAR0
 * registers with readiness timing and its coherent memory in one sparse file.
 */
public final class SimulatedGraceGpu implements GpuHardware {
    private final GpuSpec spec;
    private final ResetTiming timing;
    private final Bar0Registers bar0;
    private final SimulatedDeviceMemory memory; // null when the firmware reports no memory
    private volatile boolean closed;

    private SimulatedGraceGpu(GpuSpec spec, ResetTiming timing, SimulatedDeviceMemory memory) {
        this.spec = spec;
        this.timing = timing;
        this.bar0 = new Bar0Registers(bootId(spec.deviceId()), timing, GuestInfoRegisters.of(spec));
        this.memory = memory;
    }

    /** Powers on a GPU described by spec, with real time. */
    public static SimulatedGraceGpu create(String name, GpuSpec spec) throws NativeException {
        return create(name, spec, System::nanoTime);
    }

    /** Powers on a GPU; {@code nanoClock} drives the readiness timing (tests inject one). */
    public static SimulatedGraceGpu create(String name, GpuSpec spec, LongSupplier nanoClock) throws NativeException {
        SimulatedDeviceMemory memory = null;
        if (spec.memorySize() > 0) {
            memory = spec.backingFile() == null
                    ? SimulatedDeviceMemory.anonymous("jvfio-gpu-" + name, spec.memorySize())
                    : SimulatedDeviceMemory.backedBy(spec.backingFile(), spec.memorySize());
        }
        return new SimulatedGraceGpu(spec, new ResetTiming(spec.notReadyAfterReset(), nanoClock), memory);
    }

    /** The host's view of the PCI function, to build its PCI core from. */
    public PciDeviceBuilder physicalFunction(String name) {
        return PhysicalFunction.describe(name, spec, bar0);
    }

    public GpuSpec spec() {
        return spec;
    }

    public Bar0Registers bar0() {
        return bar0;
    }

    /** Makes the GPU not ready for a while from now (e.g. memory still training at power-on). */
    public void notReadyFor(Duration d) {
        timing.notReadyFor(d);
    }

    @Override
    public Optional<FirmwareProperties> firmwareProperties() {
        if (!spec.firmwareProperties()) {
            return Optional.empty();
        }
        return Optional.of(
                new FirmwareProperties(spec.memBasePa(), spec.memorySize(), spec.pxmStart(), spec.pxmCount()));
    }

    @Override
    public int readBar0(long offset) {
        return bar0.read32(offset);
    }

    @Override
    public Optional<DeviceMemory> deviceMemory() {
        return Optional.ofNullable(memory);
    }

    @Override
    public void functionReset() {
        timing.reset();
    }

    @Override
    public boolean failNextReset() {
        timing.failNextReset();
        return true;
    }

    @Override
    public boolean recoverReset() {
        return timing.recover();
    }

    @Override
    public boolean resetInProgress() {
        return !timing.ready();
    }

    /** The simulation's section ("hw"): chip identity and guest-info block (checked), the reset timing. */
    @Override
    public StateSection stateSection() {
        return new HardwareState(bar0, timing);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (memory != null) {
            memory.close();
        }
    }

    /** A plausible PMC_BOOT_0: architecture in bits 20..28 (Hopper 0x18, Blackwell 0x1A). */
    private static int bootId(int deviceId) {
        int arch = deviceId >= 0x2900 ? 0x1A : 0x18;
        return arch << 20 | 0x0A1;
    }
}
