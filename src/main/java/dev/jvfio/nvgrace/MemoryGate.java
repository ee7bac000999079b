package dev.jvfio.nvgrace;

import dev.jvfio.device.Errno;
import dev.jvfio.device.VfioException;
import dev.jvfio.hw.GpuHardware;
import dev.jvfio.pci.VfioPciDevice;

/**
 * What stands before every trapped access to the emulated memory BARs: the command register's
 * memory-enable bit as the {@link MemoryEnablePolicy} reads it (NV-6), and after any reset the
 * lazy readiness check (NV-4.5, NV-7).
 */
final class MemoryGate {
    private final VfioPciDevice core;
    private final GpuHardware hw;
    private final MemoryEnablePolicy policy;
    private final Readiness readiness;

    MemoryGate(VfioPciDevice core, GpuHardware hw, MemoryEnablePolicy policy, Readiness readiness) {
        this.core = core;
        this.hw = hw;
        this.policy = policy;
        this.readiness = readiness;
    }

    /**
     * Applies the memory-enable policy and the readiness check before a trapped BAR access. Returns
     * true when the access must be answered as the hardware does with memory disabled (all ones /
     * dropped), false to go to memory; throws EIO/ETIME as the policy and NV-4.5 say.
     *
     * <p>IGNORE and STRICT keep the kernel's lazy readiness check (NV-4.5: EIO with decode off, else
     * wait). HARDWARE replaces the kernel's EIO and wait by what the GPU itself answers while memory
     * is disabled or a reset is in progress (NV-6.2, NV-7.3): all ones, writes dropped. Once decode
     * is on and the GPU is ready, the pending reset is acknowledged as the kernel would.
     */
    boolean answersAsDisabled() throws VfioException {
        boolean decode = core.memoryDecodeEnabled();
        switch (policy) {
            case STRICT -> {
                if (!decode || core.inD3Hot()) {
                    // NV-6.3: vfio-pci-core's rule for real BARs.
                    throw new VfioException(Errno.EIO, "memory decode disabled or function in D3hot");
                }
                readiness.beforeAccess(true);
                return false;
            }
            case HARDWARE -> {
                if (!decode || hw.resetInProgress()) {
                    return true;
                }
                readiness.beforeAccess(true);
                return false;
            }
            default -> {
                readiness.beforeAccess(decode); // NV-4.5 / NV-7.2 (Linux 6.19); NV-4.3 otherwise
                return false;
            }
        }
    }
}
