package dev.jvfio.nvgrace;

import dev.jvfio.device.Fault;
import dev.jvfio.device.FaultInjection;
import dev.jvfio.device.VfioException;
import dev.jvfio.hw.GpuHardware;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;

/**
 * The GPU's faults: those of its PCI function (error, fall-off-bus, stall) plus a reset that never
 * completes, which leaves the readiness registers "not ready" so that the next trapped access of
 * device memory takes the driver's readiness timeout (NV-7, docs/faults.md).
 */
final class GpuFaults implements FaultInjection {
    private final FaultInjection function;
    private final GpuHardware hw;

    GpuFaults(FaultInjection function, GpuHardware hw) {
        this.function = function;
        this.hw = hw;
    }

    @Override
    public Set<Fault> supported() {
        Set<Fault> s = EnumSet.copyOf(function.supported());
        s.add(Fault.RESET_FAIL);
        return s;
    }

    @Override
    public String inject(Fault fault, Duration length) throws VfioException {
        if (fault != Fault.RESET_FAIL) {
            return function.inject(fault, length);
        }
        if (!hw.failNextReset()) {
            throw VfioException.invalid("this GPU's hardware cannot be made to fail a reset");
        }
        return "the next reset (FLR or DEVICE_RESET) leaves the GPU not ready: the first trapped access of"
                + " device memory after it waits for readiness and fails (NV-7)";
    }

    @Override
    public String recover() {
        String what = function.recover();
        if (hw.recoverReset()) {
            String ready = "reset failure dropped, the GPU is ready";
            return what.equals("nothing to recover") ? ready : what + "; " + ready;
        }
        return what;
    }
}
