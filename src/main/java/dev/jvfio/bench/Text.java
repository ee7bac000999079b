package dev.jvfio.bench;

/** How the bench writes times, sizes and child output in its lines and notes. */
final class Text {
    private Text() {}

    static double millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1e6;
    }

    static double mib(long bytes) {
        return bytes / 1048576.0;
    }

    static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** 4KiB, 64KiB, 1MiB, 1GiB, or plain bytes. */
    static String size(long bytes) {
        if (bytes >= BenchOptions.GIB && bytes % BenchOptions.GIB == 0) {
            return bytes / BenchOptions.GIB + "GiB";
        }
        if (bytes >= BenchOptions.MIB && bytes % BenchOptions.MIB == 0) {
            return bytes / BenchOptions.MIB + "MiB";
        }
        if (bytes >= BenchOptions.KIB && bytes % BenchOptions.KIB == 0) {
            return bytes / BenchOptions.KIB + "KiB";
        }
        return bytes + "B";
    }
}
