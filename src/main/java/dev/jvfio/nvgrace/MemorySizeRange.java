package dev.jvfio.nvgrace;

import java.util.Optional;

/**
 * The device-memory sizes (firmware {@code nvidia,gpu-mem-size}, NV-2.1) a Grace GPU can report and
 * still be served as a working device, from the driver's carving rules (NV-2.4, NV-2.5). Front ends
 * check a size the user asked for against it before creating anything; {@link MemoryLayout#carve}
 * itself accepts every size it can carve, so tests can model odd firmware.
 *
 * <ul>
 *   <li>Minimum with the carve-out (Grace Hopper): 1.5 GiB. The driver takes 1 GiB for resmem and
 *       rounds the rest down to 512 MiB; with less than 1.5 GiB nothing is left for usemem and the
 *       driver fails the device (NV-2.4).</li>
 *   <li>Minimum without it (Grace Blackwell): 512 MiB. The driver does not round (NV-2.5), but the
 *       guest onlines device memory in 512 MiB hotplug blocks (the same constant), so a smaller
 *       GPU would give the guest driver no memory at all.</li>
 *   <li>Granule: 64 KiB. The mappable part of each BAR is {@code [0, length)} (NV-5.2) and only
 *       whole pages can be mapped; 64 KiB is the largest base page size of the arm64 hosts and
 *       guests a Grace GPU runs with, so a multiple of it maps completely on every host. (usemem is
 *       a multiple of 512 MiB anyway when carved; resmem's length then follows the size's.)</li>
 *   <li>Maximum: 64 TiB, so usemem's BAR (its length rounded up to a power of two, NV-2.4) is at
 *       most 64 TiB too. The server maps all of a device's memory into its own address space, which
 *       is 128 TiB on x86-64 Linux, and the guest must place the BAR below its physical address
 *       width. (The profiles' defaults are 96 to 279 GiB.)</li>
 * </ul>
 *
 * @param minimum smallest size, bytes
 * @param maximum largest size, bytes
 * @param granule sizes are multiples of this, bytes
 */
public record MemorySizeRange(long minimum, long maximum, long granule) {
    /** Largest device memory, and so largest usemem BAR, the server accepts: 64 TiB. */
    public static final long MAX_BAR_SIZE = 1L << 46;
    /** Sizes are whole 64 KiB pages: the largest arm64 base page. */
    public static final long GRANULE = 64L << 10;

    /** The range for a chip that needs the uncached carve-out (Grace Hopper) or does not (Blackwell). */
    public static MemorySizeRange forChip(boolean carveOut) {
        if (carveOut) {
            return new MemorySizeRange(
                    NvGraceConstants.RESMEM_SIZE + NvGraceConstants.MEMBLK_SIZE, MAX_BAR_SIZE, GRANULE);
        }
        return new MemorySizeRange(NvGraceConstants.MEMBLK_SIZE, MAX_BAR_SIZE, GRANULE);
    }

    public boolean contains(long size) {
        return size >= minimum && size <= maximum && size % granule == 0;
    }

    /** Empty if {@code size} is allowed, else why not, with the allowed range. */
    public Optional<String> problem(long size) {
        if (contains(size)) return Optional.empty();
        String why = size < minimum
                ? "is too small"
                : size > maximum ? "is too large" : "is not a multiple of " + human(granule);
        return Optional.of(human(size) + " " + why + "; allowed: " + this);
    }

    /** "1.5 GiB to 64 TiB in multiples of 64 KiB". */
    @Override
    public String toString() {
        return human(minimum) + " to " + human(maximum) + " in multiples of " + human(granule);
    }

    /** Exact, for people: "96 GiB", "1.5 GiB", "100 bytes" (a whole or half unit, else bytes). */
    static String human(long bytes) {
        String[] names = {"TiB", "GiB", "MiB", "KiB"};
        for (int i = 0; i < names.length; i++) {
            long unit = 1L << (10 * (4 - i));
            if (bytes >= unit && bytes % unit == 0) return bytes / unit + " " + names[i];
            if (bytes >= unit && bytes % (unit / 2) == 0) return bytes / unit + ".5 " + names[i];
        }
        return bytes + " bytes";
    }
}
