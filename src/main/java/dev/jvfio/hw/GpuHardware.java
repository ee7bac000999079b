package dev.jvfio.hw;

import dev.jvfio.devicestate.StateSection;
import java.util.Optional;

/**
 * What a host driver sees of a Grace Hopper / Grace Blackwell GPU besides its PCI function: the
 * firmware's memory properties, BAR0 registers and the coherent device memory. The nvgrace variant
 * talks to the hardware only through this interface, so a real backend could replace the simulation.
 */
public interface GpuHardware extends AutoCloseable {
    /** The firmware properties, or empty when the firmware does not describe the memory (NV-2.2). */
    Optional<FirmwareProperties> firmwareProperties();

    /** Reads the 32-bit BAR0 register at {@code offset} (aligned, inside BAR0). */
    int readBar0(long offset);

    /** Device memory; its size equals the firmware's memory size (none when that is 0 or missing). */
    Optional<DeviceMemory> deviceMemory();

    /**
     * The host reset the function (FLR, bus or device reset): the GPU drops its chip-to-chip link
     * and retrains, so readiness registers read "not ready" for a while. Device memory is not scrubbed.
     */
    void functionReset();

    /** True while a reset is still in progress (readiness registers not yet ready). */
    boolean resetInProgress();

    /**
     * Simulation only: makes the next reset one the GPU never recovers from (its readiness registers
     * stay "not ready"), to exercise the driver's readiness timeout (NV-7, docs/faults.md). Returns
     * whether this hardware can; real hardware cannot be asked to fail. Default: false.
     */
    default boolean failNextReset() {
        return false;
    }

    /**
     * Simulation only: drops a reset failure armed by {@link #failNextReset()} or in progress (the
     * GPU is ready again). Returns whether there was one. Default: false.
     */
    default boolean recoverReset() {
        return false;
    }

    /**
     * The hardware's own part of a migrated device's state (registers, the time left of a reset in
     * progress), or null when this hardware cannot be migrated (the variant then offers no migration).
     */
    default StateSection stateSection() {
        return null;
    }

    /** Releases the memory file and mappings. Idempotent. */
    @Override
    void close();
}
