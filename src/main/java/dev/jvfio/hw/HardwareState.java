package dev.jvfio.hw;

import dev.jvfio.device.VfioException;
import dev.jvfio.devicestate.StateReader;
import dev.jvfio.devicestate.StateSection;
import dev.jvfio.devicestate.StateWriter;

/**
 * The simulated GPU's state section ("hw"). BAR0's registers are fixed by the chip (boot register)
 * or by its memory (the guest-info block's usemem length): they are carried to be checked, so a
 * stream from another chip or memory size is refused. What changes is the readiness after a reset
 * (NV-7): a reset in progress on the source continues on the destination for the time it had left.
 * The copy engine in BAR0 has its own section ("engine").
 */
final class HardwareState implements StateSection {
    private final Bar0Registers bar0;
    private final ResetTiming timing;

    HardwareState(Bar0Registers bar0, ResetTiming timing) {
        this.bar0 = bar0;
        this.timing = timing;
    }

    @Override
    public String name() {
        return "hw";
    }

    @Override
    public void save(StateWriter out) {
        out.putInt(bar0.boot0()).putLong(bar0.guestInfoUsemem()).putLong(timing.remainingNanos());
    }

    @Override
    public Staged load(StateReader in) throws VfioException {
        int boot0 = in.getInt();
        long usemem = in.getLong();
        long remaining = in.getLong();
        in.end();
        in.require(boot0 == bar0.boot0(), "is from a chip with boot register 0x" + Integer.toHexString(boot0));
        in.require(
                usemem == bar0.guestInfoUsemem(), "says usemem is " + usemem + " bytes, not " + bar0.guestInfoUsemem());
        in.require(
                remaining >= 0 && remaining <= GpuSpec.MAX_NOT_READY_AFTER_RESET.toNanos(),
                "has a reset with " + remaining + " ns left");
        return () -> timing.resumeRemaining(remaining);
    }
}
