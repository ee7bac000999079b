package dev.jvfio.hw;

/**
 * jvfio's read-only "guest-info" registers in BAR0, so a guest driver without the vendor's can learn
 * how much of BAR4 is real memory (the usemem length; BAR4 itself is sized to the next power of two).
 * Not a register of the real GPU: the block sits at {@link #BASE} (14 MiB into the 16 MiB BAR0), away
 * from everything this model gives a meaning (boot register 0, readiness 0x1498 and 0x200BC, the copy
 * engine at 0x100000, the MSI-X table and PBA at 0xB90000 and 0xBA0000). On a real GPU those offsets
 * read something else, which is why the block starts with a magic value. See docs/guest-memory.md;
 * the guest module guest/nvgrace-mem reads it.
 *
 * <table>
 *   <caption>The guest-info registers (32-bit, read-only)</caption>
 *   <tr><th>offset</th><th>name</th><th>value</th></tr>
 *   <tr><td>0xE00000</td><td>MAGIC</td><td>0x6d666a76 ("vjfm" as little-endian bytes)</td></tr>
 *   <tr><td>0xE00004</td><td>VERSION</td><td>1</td></tr>
 *   <tr><td>0xE00008</td><td>USEMEM_SIZE_LO</td><td>usemem length in bytes, bits 31..0</td></tr>
 *   <tr><td>0xE0000C</td><td>USEMEM_SIZE_HI</td><td>bits 63..32</td></tr>
 * </table>
 *
 * <p>The usemem length follows the carving rule shared by firmware, host driver and guest (NV-2.4,
 * NV-2.5): with the uncached carve-out (Grace Hopper) the memory size less 1 GiB, rounded down to
 * 512 MiB; without it (Grace Blackwell) the whole memory. 0 when the GPU has no memory (link down)
 * or too little for a carve-out. Writes are ignored.
 */
final class GuestInfoRegisters {
    public static final long BASE = 0xE0_0000;
    public static final long MAGIC = BASE;
    public static final long VERSION = BASE + 0x4;
    public static final long USEMEM_SIZE_LO = BASE + 0x8;
    public static final long USEMEM_SIZE_HI = BASE + 0xC;
    /** Bytes of the block; offsets inside it past the registers read 0. */
    public static final long SIZE = 0x100;

    public static final int MAGIC_VALUE = 0x6d666a76;
    public static final int VERSION_VALUE = 1;

    private static final long CARVE_OUT = 1L << 30;
    private static final long MEMORY_BLOCK = 512L << 20;

    private final long usememSize;

    public GuestInfoRegisters(long usememSize) {
        this.usememSize = usememSize;
    }

    /** The registers of a GPU described by spec. */
    public static GuestInfoRegisters of(GpuSpec spec) {
        return new GuestInfoRegisters(usememSize(spec.memorySize(), spec.migHardwareBugFixed()));
    }

    /** usemem length for a memory size (NV-2.4/2.5): whole memory without a carve-out, else (size - 1 GiB) rounded down to 512 MiB. */
    public static long usememSize(long memorySize, boolean noCarveOut) {
        if (noCarveOut || memorySize <= 0) {
            return Math.max(0, memorySize);
        }
        long len = memorySize - CARVE_OUT;
        return len <= 0 ? 0 : len & -MEMORY_BLOCK;
    }

    public static boolean contains(long offset) {
        return offset >= BASE && offset < BASE + SIZE;
    }

    /** The 32-bit register at an aligned offset inside the block. */
    public int read32(long reg) {
        if (reg == MAGIC) return MAGIC_VALUE;
        if (reg == VERSION) return VERSION_VALUE;
        if (reg == USEMEM_SIZE_LO) return (int) usememSize;
        if (reg == USEMEM_SIZE_HI) return (int) (usememSize >>> 32);
        return 0;
    }

    public long usememSize() {
        return usememSize;
    }
}
