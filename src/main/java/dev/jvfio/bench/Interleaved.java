package dev.jvfio.bench;

import dev.jvfio.device.VfioException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A subject and its floor measured in one loop, operation by operation: lane {@code i} runs one
 * operation of the floor's lane {@code i}, then one of the subject's (the other way round every
 * second time), timing each. Both sides then see the same state of the machine within a round
 * trip of each other: whether the CPUs are halting or busy, what else runs, the clock speed. Rounds
 * that alternate side by side (600 ms each) see different states, and where that state swings
 * from round to round (several clients on two CPUs; trapped reads whose rate is mostly the
 * machine's wake-up latency) the paired ratio's interval spans the target however the two compare.
 *
 * <p>A side's rate in a round is the sum over its lanes of operations per second of the time spent
 * in that side's operations, as {@link Side} sums its lanes' rates. The rounds are recorded in the
 * two {@link Side}s, so every later step (medians, paired interval, verdict, JSON) is the same as
 * for alternating rounds.
 */
final class Interleaved {
    private final Side floor;
    private final Side subject;
    private final Side both;
    private final long[] floorNanos;
    private final long[] subjectNanos;
    private final long[] counts;
    /** Round trips of each side over all rounds so far (not the warm-up). */
    private long measuredPairs;
    /** Whether the operations' times go to the sides' latency logs (rounds, not warm-up). */
    private volatile boolean recording;

    Interleaved(Side floor, Side subject, Side.Setup setup) {
        List<Op> f = floor.lanes();
        List<Op> s = subject.lanes();
        if (f.size() != s.size()) {
            throw new IllegalArgumentException(
                    "interleaved sides need as many lanes each: " + f.size() + " and " + s.size());
        }
        this.floor = floor;
        this.subject = subject;
        this.floorNanos = new long[f.size()];
        this.subjectNanos = new long[f.size()];
        this.counts = new long[f.size()];
        List<Op> pairs = new ArrayList<>();
        for (int i = 0; i < f.size(); i++) {
            pairs.add(pair(i, f.get(i), s.get(i)));
        }
        this.both = new Side(floor.name() + "+" + subject.name(), pairs, false, setup);
    }

    /** Lane {@code lane}'s pair of operations; only that lane's thread touches its slots. */
    private Op pair(int lane, Op f, Op s) {
        return () -> {
            boolean floorFirst = (counts[lane] & 1) == 0;
            long t0 = System.nanoTime();
            (floorFirst ? f : s).run();
            long t1 = System.nanoTime();
            (floorFirst ? s : f).run();
            long t2 = System.nanoTime();
            long fn = floorFirst ? t1 - t0 : t2 - t1;
            long sn = floorFirst ? t2 - t1 : t1 - t0;
            floorNanos[lane] += fn;
            subjectNanos[lane] += sn;
            counts[lane]++;
            if (recording) {
                floor.recordLatency(lane, fn);
                subject.recordLatency(lane, sn);
            }
        };
    }

    /** The combined side, for warming up (and settling the JIT) before the rounds. */
    Side combined() {
        return both;
    }

    /** One round of about {@code nanos}: both sides' rates recorded. */
    void round(long nanos) throws IOException, VfioException {
        Arrays.fill(floorNanos, 0);
        Arrays.fill(subjectNanos, 0);
        Arrays.fill(counts, 0);
        recording = true;
        try {
            both.warmUp(nanos); // runs the lanes for the round's time; the combined rate is not kept
        } finally {
            recording = false;
        }
        // the lane threads have ended (joined) or this thread ran the only lane: the slots are visible
        floor.recordRound(sumRates(floorNanos));
        subject.recordRound(sumRates(subjectNanos));
        for (long c : counts) {
            measuredPairs += c;
        }
    }

    /** Operations each side ran in the rounds so far: the same count for both. */
    long measuredOperations() {
        return measuredPairs;
    }

    private double sumRates(long[] nanos) {
        double sum = 0;
        for (int i = 0; i < counts.length; i++) {
            if (nanos[i] > 0) {
                sum += counts[i] * 1e9 / nanos[i];
            }
        }
        return sum;
    }

    /**
     * The note comparing the CPU time the two sides' processes used over the rounds: both served
     * exactly {@code ops} round trips, so their CPU per round trip compares directly, whatever the
     * machine's state did to the rates. Null when nothing was measured.
     */
    static String cpuNote(
            String what, Side subject, double subjectCpuMillis, Side floor, double floorCpuMillis, long ops) {
        if (ops <= 0) {
            return null;
        }
        return String.format(
                Locale.ROOT,
                "%s: CPU per round trip over the rounds (%d each): %s %.2f us, %s %.2f us (ratio %.2f)",
                what,
                ops,
                subject.name(),
                subjectCpuMillis * 1000 / ops,
                floor.name(),
                floorCpuMillis * 1000 / ops,
                floorCpuMillis > 0 ? subjectCpuMillis / floorCpuMillis : Double.NaN);
    }
}
