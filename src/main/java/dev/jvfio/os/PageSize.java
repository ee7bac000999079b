package dev.jvfio.os;

/**
 * The page size every mmap offset and length must be a multiple of: the one seam through which
 * the server (VERSION pgsizes, DMA_MAP checks, region-info sparse areas), the PCI core (MSI-X
 * holes, RAM backings), the nvgrace variant and the bench learn it. Grace hosts often run 64 KiB
 * kernels, Debian also ships 16 KiB arm64 kernels, x86-64 always has 4 KiB.
 *
 * <p>{@link #system()} is the kernel's ({@code sysconf(_SC_PAGESIZE)}), or a larger power of two
 * given as system property {@value #PROPERTY} (so that tests and a 4 KiB developer machine can
 * run the 64 KiB logic: every 64 KiB-aligned mapping is also 4 KiB-aligned, while a smaller
 * granule than the kernel's would make mmap fail, so it is refused). Unit tests build
 * {@link #of(long)} values directly and pass them down.
 *
 * @param bytes a power of two, at least {@link #MIN_BYTES}
 */
public record PageSize(long bytes) {
    /** System property that raises the page size jvfio works with (bytes, or with K/M suffix). */
    public static final String PROPERTY = "jvfio.pageSize";
    /** The smallest page Linux has on any architecture jvfio runs on (x86-64, aarch64). */
    public static final long MIN_BYTES = 4096;
    /** The largest: aarch64's 64 KiB granule. */
    public static final long MAX_BYTES = 64 * 1024;
    /**
     * Documented fallback, used only if sysconf cannot answer (it always can on Linux): the
     * smallest page, the one x86-64 and 4 KiB-page arm64 kernels have.
     */
    static final long FALLBACK_BYTES = MIN_BYTES;

    public static final PageSize SIZE_4K = new PageSize(4 * 1024);
    public static final PageSize SIZE_16K = new PageSize(16 * 1024);
    public static final PageSize SIZE_64K = new PageSize(64 * 1024);

    private static volatile PageSize system;

    public PageSize {
        if (Long.bitCount(bytes) != 1 || bytes < MIN_BYTES || bytes > MAX_BYTES) {
            throw new IllegalArgumentException("page size must be a power of two in [4 KiB, 64 KiB]: " + bytes);
        }
    }

    /** A page size of {@code bytes} (tests, options). */
    public static PageSize of(long bytes) {
        return new PageSize(bytes);
    }

    /** The kernel's page size, raised by {@value #PROPERTY} if that is set; computed once. */
    public static PageSize system() {
        PageSize p = system;
        if (p == null) {
            p = resolve(kernelBytes(), System.getProperty(PROPERTY));
            system = p;
        }
        return p;
    }

    /** sysconf(_SC_PAGESIZE), or the fallback if libc cannot say. */
    static long kernelBytes() {
        try {
            return Libc.sysconf(Libc.SC_PAGESIZE);
        } catch (NativeException e) {
            return FALLBACK_BYTES;
        }
    }

    /**
     * The page size from the kernel's and an optional override (bytes, "16K", "64k"): the override
     * must be a multiple of the kernel's page, since mappings at a smaller granule fail.
     */
    static PageSize resolve(long kernelBytes, String override) {
        PageSize kernel = of(kernelBytes);
        if (override == null || override.isBlank()) {
            return kernel;
        }
        PageSize wanted = of(parse(override.trim()));
        if (wanted.bytes < kernel.bytes) {
            throw new IllegalArgumentException(PROPERTY + "=" + override + " is smaller than the kernel's page ("
                    + kernel + "): mappings at that granule would fail");
        }
        return wanted;
    }

    private static long parse(String s) {
        long unit = 1;
        char last = Character.toUpperCase(s.charAt(s.length() - 1));
        if (last == 'K') {
            unit = 1024;
            s = s.substring(0, s.length() - 1);
        }
        try {
            return Long.parseLong(s) * unit;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(PROPERTY + " must be bytes or a K size: " + s, e);
        }
    }

    /** Whether {@code value} is a multiple of the page (0 is). */
    public boolean isAligned(long value) {
        return (value & (bytes - 1)) == 0;
    }

    /** {@code value} rounded down to a page boundary (value >= 0). */
    public long roundDown(long value) {
        return value & -bytes;
    }

    /** {@code value} rounded up to a page boundary; ArithmeticException if that overflows. */
    public long roundUp(long value) {
        long r = (value + bytes - 1) & -bytes;
        if (r < value) {
            throw new ArithmeticException("rounding " + value + " up to " + this + " overflows");
        }
        return r;
    }

    @Override
    public String toString() {
        return (bytes / 1024) + " KiB";
    }
}
