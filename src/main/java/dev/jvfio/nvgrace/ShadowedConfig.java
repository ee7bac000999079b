package dev.jvfio.nvgrace;

import dev.jvfio.device.Vfio;
import dev.jvfio.device.VfioException;
import dev.jvfio.pci.VfioPciDevice;
import java.lang.foreign.MemorySegment;

/**
 * Config space as the variant shows it whenever it presents device memory (NV-3): the core's
 * config space with the BAR registers of {@link EmulatedBars} laid over it. Reads take the core's
 * bytes and patch the emulated registers (NV-3.3); writes that touch them land in the shadow and
 * never reach the core (NV-3.4); everything else is the core's.
 */
final class ShadowedConfig {
    private final VfioPciDevice core;
    private final EmulatedBars bars;

    ShadowedConfig(VfioPciDevice core, EmulatedBars bars) {
        this.core = core;
        this.bars = bars;
    }

    int read(long offset, MemorySegment dst) throws VfioException {
        int n = core.read(Vfio.PCI_CONFIG_REGION_INDEX, offset, dst);
        bars.overlayRead(offset, dst.asSlice(0, n));
        return n;
    }

    int write(long offset, MemorySegment src) throws VfioException {
        if (offset >= 0 && offset < Integer.MAX_VALUE) {
            int absorbed = bars.absorbWrite(offset, src);
            if (absorbed >= 0) {
                return absorbed; // NV-3.4: stored in the shadow, not forwarded
            }
        }
        return core.write(Vfio.PCI_CONFIG_REGION_INDEX, offset, src);
    }

    /** The emulated BAR registers (NV-3), for a migration stream. */
    EmulatedBars bars() {
        return bars;
    }

    /** NV-3.2: open and DEVICE_RESET. */
    void clear() {
        bars.clear();
    }
}
