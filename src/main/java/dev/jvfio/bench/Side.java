package dev.jvfio.bench;

import dev.jvfio.device.VfioException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One side of a row (the subject, or its floor): one lane per client, each repeating its
 * {@link Op}. A round runs every lane at once for a fixed time and records the summed rate
 * (operations per second over all lanes) and, if asked, each operation's latency.
 */
final class Side {
    /** Enough for a 30 µs round trip over 30 s of rounds; beyond that latencies are sampled less. */
    private static final int LATENCY_CAPACITY = 1 << 20;

    private final String name;
    private final List<Op> lanes;
    private final List<LatencyLog> logs = new ArrayList<>();
    private final List<Double> rates = new ArrayList<>();
    private final Setup setup;

    /** Run before each warm-up and each round, outside the timed loop (e.g. to place threads). */
    @FunctionalInterface
    interface Setup {
        void run() throws IOException;
    }

    Side(String name, List<Op> lanes, boolean latencies) {
        this(name, lanes, latencies, () -> {});
    }

    Side(String name, List<Op> lanes, boolean latencies, Setup setup) {
        this.name = name;
        this.setup = setup;
        this.lanes = List.copyOf(lanes);
        if (latencies) {
            for (int i = 0; i < lanes.size(); i++) {
                logs.add(new LatencyLog(LATENCY_CAPACITY / lanes.size()));
            }
        }
    }

    String name() {
        return name;
    }

    /** Operations per second of each round so far. */
    List<Double> rates() {
        return List.copyOf(rates);
    }

    /** Sorted per-operation nanoseconds of all rounds and lanes (empty without latencies). */
    long[] latencies() {
        return LatencyLog.merged(logs);
    }

    void warmUp(long nanos) throws IOException, VfioException {
        if (nanos > 0) {
            run(nanos, false);
        }
    }

    void round(long nanos) throws IOException, VfioException {
        rates.add(run(nanos, true));
    }

    /** This side's lanes (for {@link Interleaved}, which runs them itself). */
    List<Op> lanes() {
        return lanes;
    }

    /** Records a round whose operations {@link Interleaved} ran: the summed rate of its lanes. */
    void recordRound(double rate) {
        rates.add(rate);
    }

    /** Records one operation's time on {@code lane}, when this side keeps latencies. */
    void recordLatency(int lane, long nanos) {
        if (!logs.isEmpty()) {
            logs.get(lane).add(nanos);
        }
    }

    private double run(long nanos, boolean record) throws IOException, VfioException {
        setup.run();
        if (lanes.size() == 1) {
            return loop(lanes.getFirst(), nanos, record && !logs.isEmpty() ? logs.getFirst() : null);
        }
        CyclicBarrier start = new CyclicBarrier(lanes.size());
        double[] laneRates = new double[lanes.size()];
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < lanes.size(); i++) {
            int lane = i;
            LatencyLog log = record && !logs.isEmpty() ? logs.get(i) : null;
            Thread t = Thread.ofPlatform().name("bench " + name + " lane " + i).start(() -> {
                try {
                    start.await();
                    laneRates[lane] = loop(lanes.get(lane), nanos, log);
                } catch (IOException
                        | VfioException
                        | RuntimeException
                        | InterruptedException
                        | BrokenBarrierException e) {
                    failure.compareAndSet(null, e);
                    start.reset();
                }
            });
            threads.add(t);
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
        Throwable f = failure.get();
        if (f != null) {
            if (f instanceof IOException io) {
                throw io;
            }
            if (f instanceof VfioException v) {
                throw v;
            }
            throw new IOException(name + ": " + f, f);
        }
        double sum = 0;
        for (double r : laneRates) {
            sum += r;
        }
        return sum;
    }

    /** Repeats op for about {@code nanos}; returns operations per second. */
    private static double loop(Op op, long nanos, LatencyLog log) throws IOException, VfioException {
        long begin = System.nanoTime();
        long end = begin + nanos;
        long t0 = begin;
        long t1;
        long count = 0;
        do {
            op.run();
            t1 = System.nanoTime();
            if (log != null) {
                log.add(t1 - t0);
            }
            t0 = t1;
            count++;
        } while (t1 < end);
        return count * 1e9 / (t1 - begin);
    }
}
