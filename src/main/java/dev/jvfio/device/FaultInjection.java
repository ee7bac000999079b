package dev.jvfio.device;

import java.time.Duration;
import java.util.Set;

/**
 * Makes a device fail on purpose (docs/faults.md), for testing how a VMM, a guest and the tools
 * around them survive a failing GPU. Implementations are thread-safe: the control socket calls
 * them while the device serves its client.
 */
public interface FaultInjection {
    /** The faults this device can simulate. */
    Set<Fault> supported();

    /**
     * Makes the device fail now.
     *
     * @param fault  one of {@link #supported()}
     * @param length how long the fault lasts, for a fault that ends by itself (STALL); else ignored
     * @return what happened, for the operator ("ERR interrupt signalled", "no ERR eventfd armed")
     * @throws VfioException EINVAL for an unsupported fault or length
     */
    String inject(Fault fault, Duration length) throws VfioException;

    /**
     * Ends every fault still in effect: the link comes back (the device then needs a reset, as
     * hardware does), a stall ends, a pending reset failure is dropped, the reported error stays
     * in its (sticky) AER status until the guest clears it.
     *
     * @return what changed
     */
    String recover();
}
