package dev.jvfio.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;

/**
 * How busy the machine is apart from this run, from the kernel's CPU accounting
 * ({@code /proc/stat}): other processes' CPU use, the share of time the hypervisor stole, and the
 * load average. A busy machine leaves verdicts undecided (both sides of a row wait for CPUs at
 * random), so the run says so before it starts, and an undecided row says what it saw.
 *
 * @param othersCpus CPUs' worth of time used by processes other than this one during the sample
 * @param steal      share of all CPU time stolen by the hypervisor during the sample (0..1)
 * @param load       the 1-minute load average at the end of the sample
 * @param cpus       CPUs this process may use
 */
record Busy(double othersCpus, double steal, double load, int cpus) {
    /** Steal above this share makes rounds of both sides lose time at random. */
    static final double STEAL_BUSY = 0.05;
    /** A floor whose rounds differ by more than this factor says the machine moved under the row. */
    static final double FLOOR_VARIED = 1.25;
    /** USER_HZ: 100 on every Linux architecture the JDK runs on. */
    private static final int TICKS = 100;

    /** Cumulative CPU times of all CPUs, in ticks: busy (user, nice, system, irq, softirq), steal, total. */
    record CpuTimes(long busy, long steal, long total) {
        static CpuTimes read() {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/stat"))) {
                    if (line.startsWith("cpu ")) {
                        return parse(line);
                    }
                }
            } catch (IOException | RuntimeException e) {
                // no /proc/stat: nothing to say
            }
            return null;
        }

        /** The aggregate "cpu" line: user nice system idle iowait irq softirq steal [guest guest_nice]. */
        static CpuTimes parse(String line) {
            String[] f = line.strip().split("\\s+");
            long[] v = new long[8];
            for (int i = 0; i < 8 && i + 1 < f.length; i++) {
                v[i] = Long.parseLong(f[i + 1]);
            }
            long busy = v[0] + v[1] + v[2] + v[5] + v[6];
            long total = busy + v[3] + v[4] + v[7];
            return new CpuTimes(busy, v[7], total);
        }

        /** Share of CPU time stolen between {@code earlier} and this; NaN if unknown. */
        double stealSince(CpuTimes earlier) {
            if (earlier == null || total <= earlier.total) {
                return Double.NaN;
            }
            return (double) (steal - earlier.steal) / (total - earlier.total);
        }
    }

    /** Watches the machine for {@code millis} while this process does nothing (call before any child starts). */
    static Busy sample(long millis) {
        int cpus = Runtime.getRuntime().availableProcessors();
        long pid = ProcessHandle.current().pid();
        CpuTimes a = CpuTimes.read();
        double selfA = selfCpuMillis(pid);
        long t0 = System.nanoTime();
        LockSupport.parkNanos(millis * 1_000_000);
        CpuTimes b = CpuTimes.read();
        double selfB = selfCpuMillis(pid);
        double seconds = (System.nanoTime() - t0) / 1e9;
        double others = Double.NaN;
        if (a != null && b != null && selfA >= 0 && selfB >= 0) {
            double busyMillis = (b.busy - a.busy) * 1000.0 / TICKS;
            others = Math.max(0, (busyMillis - (selfB - selfA)) / 1000 / seconds);
        }
        return new Busy(others, b == null ? Double.NaN : b.stealSince(a), loadAverage(), cpus);
    }

    /**
     * Whether the row's two working threads (client and server) cannot count on a CPU each: other
     * processes use more than what is left beyond two CPUs (0.2 of a CPU of slack), or the
     * hypervisor steals {@link #STEAL_BUSY} or more.
     */
    boolean busy() {
        double spare = cpus - Math.min(2, cpus);
        return othersCpus > spare + 0.2 || steal >= STEAL_BUSY;
    }

    /** "other processes used 1.3 of 2 CPUs, steal 4%, load 3.1". */
    String describe() {
        StringBuilder sb = new StringBuilder();
        if (Double.isFinite(othersCpus)) {
            sb.append(String.format(Locale.ROOT, "other processes used %.1f of %d CPUs", othersCpus, cpus));
        }
        if (Double.isFinite(steal)) {
            sb.append(sb.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "steal %.0f%%", steal * 100));
        }
        if (Double.isFinite(load)) {
            sb.append(sb.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "load %.1f", load));
        }
        return sb.toString();
    }

    /**
     * What an undecided row saw of the machine: steal during its rounds (when {@link #STEAL_BUSY}
     * or more) and how much its floor moved between rounds (when by more than
     * {@link #FLOOR_VARIED}); empty when neither.
     */
    static String context(List<Double> floorRounds, double steal) {
        StringBuilder sb = new StringBuilder();
        if (Double.isFinite(steal) && steal >= STEAL_BUSY) {
            sb.append(String.format(Locale.ROOT, "steal %.0f%%", steal * 100));
        }
        double lo = Double.POSITIVE_INFINITY;
        double hi = 0;
        for (double v : floorRounds) {
            if (v > 0 && Double.isFinite(v)) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        }
        if (hi > 0 && hi / lo > FLOOR_VARIED) {
            sb.append(sb.isEmpty() ? "" : ", ")
                    .append(String.format(Locale.ROOT, "the floor itself varied %.1fx between rounds", hi / lo));
        }
        return sb.toString();
    }

    private static double selfCpuMillis(long pid) {
        try {
            return ProcStatus.cpuMillis(pid);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static double loadAverage() {
        try {
            return Double.parseDouble(
                    Files.readString(Path.of("/proc/loadavg")).strip().split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }
}
