package dev.jvfio.pci;

import dev.jvfio.device.Fault;
import dev.jvfio.device.FaultInjection;
import dev.jvfio.device.VfioException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;

/**
 * The faults a PCI function can simulate by itself (docs/faults.md, PCI-11.x): an uncorrectable
 * error reported through AER and the ERR interrupt, falling off the bus, a stall. Variants add their
 * own (nvgrace: a reset that never completes).
 */
final class PciFaults implements FaultInjection {
    private final ConfigSpace config;
    private final PciInterrupts interrupts;
    private final FunctionHealth health;
    private final Object monitor;
    private final int aerAt;
    private final int expAt;

    PciFaults(
            ConfigSpace config, PciInterrupts interrupts, FunctionHealth health, Object monitor, int aerAt, int expAt) {
        this.config = config;
        this.interrupts = interrupts;
        this.health = health;
        this.monitor = monitor;
        this.aerAt = aerAt;
        this.expAt = expAt;
    }

    @Override
    public Set<Fault> supported() {
        return EnumSet.of(Fault.ERROR, Fault.FALL_OFF_BUS, Fault.STALL);
    }

    @Override
    public String inject(Fault fault, Duration length) throws VfioException {
        return switch (fault) {
            case ERROR -> error();
            case FALL_OFF_BUS -> {
                health.fallOffBus();
                yield "off the bus: config reads all ones, BAR access fails, DMA stopped";
            }
            case STALL -> {
                if (length == null
                        || length.isNegative()
                        || length.isZero()
                        || length.compareTo(FunctionHealth.MAX_STALL) > 0) {
                    throw VfioException.invalid("a stall lasts 1 ms to " + FunctionHealth.MAX_STALL.toSeconds() + " s");
                }
                health.stall(length);
                yield "stalled for " + length.toMillis() + " ms: trapped BAR access and DMA wait";
            }
            default -> throw VfioException.invalid(fault.cliName() + " is not a fault this device can simulate");
        };
    }

    /**
     * PCI-11.1: Uncorrectable Internal Error in the AER status (first error pointer at it), Fatal or
     * Non-Fatal Error Detected in the PCI Express Device Status as its severity says, then the ERR
     * interrupt.
     */
    private String error() {
        boolean signalled;
        synchronized (monitor) {
            boolean fatal = true;
            if (aerAt >= 0) {
                config.setBits32(
                        aerAt + ExtendedCapability.Aer.UNCOR_STATUS, ExtendedCapability.Aer.UNCOR_INTERNAL, true);
                int capControl = config.read32(aerAt + ExtendedCapability.Aer.CAP_CONTROL);
                config.set32(
                        aerAt + ExtendedCapability.Aer.CAP_CONTROL,
                        (capControl & ~0x1F) | Integer.numberOfTrailingZeros(ExtendedCapability.Aer.UNCOR_INTERNAL));
                fatal = (config.read32(aerAt + ExtendedCapability.Aer.UNCOR_SEVERITY)
                                & ExtendedCapability.Aer.UNCOR_INTERNAL)
                        != 0;
            }
            if (expAt >= 0) {
                config.setBits16(expAt + 0x0A, fatal ? 0x4 : 0x2, true); // DEVSTA FED / NFED
            }
            signalled = interrupts.signalError();
        }
        String status = aerAt >= 0
                ? "AER uncorrectable internal error (" + (fatal(aerAt) ? "fatal" : "non-fatal") + ")"
                : "device status error bit (no AER capability)";
        return status + "; "
                + (signalled ? "ERR interrupt signalled" : "no ERR eventfd armed by the client, nothing signalled");
    }

    private boolean fatal(int at) {
        return (config.read32(at + ExtendedCapability.Aer.UNCOR_SEVERITY) & ExtendedCapability.Aer.UNCOR_INTERNAL) != 0;
    }

    @Override
    public String recover() {
        String what = health.recover();
        return what.isEmpty() ? "nothing to recover" : what;
    }
}
