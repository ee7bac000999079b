package dev.jvfio.device;

import java.util.Locale;

/**
 * The ways a simulated device can be made to fail on purpose, as a real GPU fails (docs/faults.md).
 */
public enum Fault {
    /** An uncorrectable error: AER status the guest can read, and the ERR interrupt signalled. */
    ERROR,
    /** The link went down: config reads all ones, BAR access fails, DMA stops, until recovered and reset. */
    FALL_OFF_BUS,
    /** Trapped BAR accesses and device DMA stop answering for a while (a hung GPU). */
    STALL,
    /** The next reset never completes: the device stays not ready. */
    RESET_FAIL;

    /** The name on the command line and the control socket: "error", "fall-off-bus", "stall", "reset-fail". */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The fault with that command-line name, or null. */
    public static Fault byCliName(String name) {
        for (Fault f : values()) {
            if (f.cliName().equals(name)) {
                return f;
            }
        }
        return null;
    }
}
