package dev.jvfio.profile;

import dev.jvfio.nvgrace.MemorySizeRange;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The Grace GPUs the nvgrace-gpu driver binds to (reference NV-1.1), with what differs between them:
 * PCI device id, default device-memory size and whether the chip needs the uncached carve-out
 * (the "MIG hardware bug" of NV-2.3: Grace Hopper yes, Grace Blackwell no).
 */
public enum GpuProfile {
    GH200("gh200", 0x2342, 96L << 30, true, "GH200 120GB"),
    GH200_480GB("gh200-480gb", 0x2345, 144L << 30, true, "GH200 480GB"),
    GH200_SKU("gh200-sku", 0x2348, 96L << 30, true, "GH200"),
    GB200("gb200", 0x2941, 186L << 30, false, "GB200"),
    GB300("gb300", 0x31C2, 279L << 30, false, "GB300");

    private final String profileName;
    private final int deviceId;
    private final long defaultMemorySize;
    private final boolean needsCarveOut;
    private final String marketingName;

    GpuProfile(String profileName, int deviceId, long defaultMemorySize, boolean needsCarveOut, String marketingName) {
        this.profileName = profileName;
        this.deviceId = deviceId;
        this.defaultMemorySize = defaultMemorySize;
        this.needsCarveOut = needsCarveOut;
        this.marketingName = marketingName;
    }

    /** The name used on the command line and in JSON configs ("gh200", "gb200", ...). */
    public String profileName() {
        return profileName;
    }

    public int vendorId() {
        return 0x10de;
    }

    public int deviceId() {
        return deviceId;
    }

    /** Bytes of coherent device memory reported by the firmware unless overridden. */
    public long defaultMemorySize() {
        return defaultMemorySize;
    }

    /**
     * True for Grace Hopper: the DVSEC MIG bit is clear, so the driver carves 1 GiB of uncached
     * memory (BAR2). False for Grace Blackwell: the bit is set, slots 2/3 stay the physical BAR.
     */
    public boolean needsCarveOut() {
        return needsCarveOut;
    }

    /** The device-memory sizes this chip can have, by its carve-out rule (NV-2.4, NV-2.5). */
    public MemorySizeRange memorySizes() {
        return MemorySizeRange.forChip(needsCarveOut);
    }

    public String marketingName() {
        return marketingName;
    }

    public static Optional<GpuProfile> byName(String name) {
        return Arrays.stream(values())
                .filter(p -> p.profileName.equalsIgnoreCase(name))
                .findFirst();
    }

    public static List<String> names() {
        return Arrays.stream(values()).map(GpuProfile::profileName).toList();
    }
}
