package dev.jvfio.bench;

import dev.jvfio.os.PageSize;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * What one benchmark run measures and for how long.
 *
 * @param duration          measuring time per row and side (subject and floor each get this much),
 *                          split into {@code rounds} rounds that alternate with the other side
 * @param warmup            time each side of a row runs unmeasured before its first round
 * @param rounds            rounds per side (N of best-of-N; the median is over them too)
 * @param sizes             bulk chunk sizes in bytes (those above the negotiated max_data_xfer_size
 *                          are skipped and said so)
 * @param clients           parallel clients, each on its own device (all devices in one server)
 * @param spin              clients busy-poll for replies instead of sleeping in recvmsg
 * @param pin               pin every process of the run (bench, server, echo) to CPU 0 with taskset
 * @param serverJavaOptions extra JVM options for the child processes (e.g. -XX:StartFlightRecording=...)
 * @param mappedWindow      bytes of BAR4 the mapped rows cycle over (and the copy floor's buffer)
 * @param touchBytes        bytes of BAR4 the client writes before the second footprint reading
 * @param launches          times the 96 GiB server (and the echo child) is launched for the ready row
 * @param trappedProfile    device profile of the trapped/bulk server ("sample"; a small gh200 if
 *                          the sample device cannot be created)
 * @param groups            which row groups to measure (all of {@link #GROUPS} by default)
 * @param decideBudget      extra time a row with a target may spend on added rounds while its
 *                          verdict is undecided ({@link AdaptiveRounds}); zero: fixed rounds
 * @param haltPoll          how long the dma rows' client polls for a completion interrupt before
 *                          it sleeps for it, as KVM polls a halted vCPU ({@link #HALT_POLL}); zero:
 *                          it sleeps at once
 */
public record BenchOptions(
        Duration duration,
        Duration warmup,
        int rounds,
        List<Long> sizes,
        int clients,
        boolean spin,
        boolean pin,
        List<String> serverJavaOptions,
        long mappedWindow,
        long touchBytes,
        int launches,
        String trappedProfile,
        Set<String> groups,
        Duration decideBudget,
        Duration haltPoll) {
    /** The row groups, in table order. */
    public static final List<String> GROUPS =
            List.of("trapped", "bulk", "clients", "mapped", "dma", "footprint", "proxy", "metrics", "migration");

    /**
     * Default extra time per undecided row: with 600 ms rounds two more pairs of rounds (4.8 s),
     * which narrow a 4-round interval about twofold (1/sqrt(N) and a smaller Student t).
     */
    public static final Duration DECIDE_BUDGET = Duration.ofSeconds(6);

    /**
     * Default poll of the dma rows' client: KVM's default {@code halt_poll_ns} on x86 (arm64's is
     * longer), the time a host polls a guest's halted vCPU for a wake-up before it schedules the
     * vCPU thread out. A guest driver waiting that long for its completion interrupt does not pay
     * the wake-up of a sleeping thread; a client that sleeps at once does.
     */
    public static final Duration HALT_POLL = Duration.ofNanos(200_000);

    /** The longest {@code --halt-poll}: a poll is for a wake-up soon, not for a copy's whole time. */
    public static final Duration MAX_HALT_POLL = Duration.ofSeconds(1);

    public static final long KIB = 1L << 10;
    public static final long MIB = 1L << 20;
    public static final long GIB = 1L << 30;

    public BenchOptions {
        if (duration.isNegative() || duration.isZero())
            throw new IllegalArgumentException("--duration must be positive");
        if (warmup.isNegative()) throw new IllegalArgumentException("--warmup must not be negative");
        if (decideBudget.isNegative()) throw new IllegalArgumentException("--decide-budget must not be negative");
        if (haltPoll.isNegative() || haltPoll.compareTo(MAX_HALT_POLL) > 0) {
            throw new IllegalArgumentException("--halt-poll must be in [0, 1s]: " + haltPoll);
        }
        if (rounds < 1 || rounds > 1000) throw new IllegalArgumentException("--rounds must be in [1, 1000]: " + rounds);
        if (clients < 1 || clients > 64) throw new IllegalArgumentException("--clients must be in [1, 64]: " + clients);
        if (sizes.isEmpty()) throw new IllegalArgumentException("--sizes needs at least one size");
        for (long s : sizes) {
            if (s < 1 || s > (64L << 20)) {
                throw new IllegalArgumentException("--sizes: " + s + " is outside [1, 64 MiB]");
            }
        }
        if (mappedWindow < MIB || (mappedWindow & (MIB - 1)) != 0) {
            throw new IllegalArgumentException("mapped window must be a positive multiple of 1 MiB");
        }
        if (touchBytes < 0 || !PageSize.system().isAligned(touchBytes)) {
            throw new IllegalArgumentException(
                    "touch size must be a multiple of the page size (" + PageSize.system() + ")");
        }
        if (launches < 1 || launches > 20) throw new IllegalArgumentException("launches must be in [1, 20]");
        if (groups.isEmpty() || !GROUPS.containsAll(groups)) {
            throw new IllegalArgumentException("groups must be among " + GROUPS + ": " + groups);
        }
        groups = Set.copyOf(groups);
        sizes = List.copyOf(new LinkedHashSet<>(sizes)); // one row per size
        serverJavaOptions = List.copyOf(serverJavaOptions);
    }

    /**
     * About a minute and a half on a 2-CPU machine: 2.4 s per side and row in 4 rounds of 600 ms,
     * 0.4 s warm-up. Rounds are that long because a side that has just started runs fast for
     * ~150 ms and then settles; with 150 ms rounds the median fell between the two states and
     * trapped ratios swung from 0.70 to 1.01 between runs (README, "What remains").
     */
    public static BenchOptions defaults() {
        return new BenchOptions(
                Duration.ofMillis(2400),
                Duration.ofMillis(400),
                4,
                List.of(4 * KIB, 64 * KIB, MIB),
                1,
                false,
                false,
                List.of(),
                256 * MIB,
                GIB,
                3,
                "sample",
                Set.copyOf(GROUPS),
                DECIDE_BUDGET,
                HALT_POLL);
    }

    public Duration roundLength() {
        return duration.dividedBy(rounds);
    }

    public BenchOptions withDuration(Duration d) {
        return edit(b -> b.duration = d);
    }

    public BenchOptions withWarmup(Duration d) {
        return edit(b -> b.warmup = d);
    }

    public BenchOptions withRounds(int n) {
        return edit(b -> b.rounds = n);
    }

    public BenchOptions withSizes(List<Long> s) {
        return edit(b -> b.sizes = s);
    }

    public BenchOptions withClients(int n) {
        return edit(b -> b.clients = n);
    }

    public BenchOptions withSpin(boolean on) {
        return edit(b -> b.spin = on);
    }

    public BenchOptions withPin(boolean on) {
        return edit(b -> b.pin = on);
    }

    public BenchOptions withServerJavaOptions(List<String> o) {
        return edit(b -> b.serverJavaOptions = o);
    }

    public BenchOptions withMappedWindow(long bytes) {
        return edit(b -> b.mappedWindow = bytes);
    }

    public BenchOptions withTouchBytes(long bytes) {
        return edit(b -> b.touchBytes = bytes);
    }

    public BenchOptions withLaunches(int n) {
        return edit(b -> b.launches = n);
    }

    public BenchOptions withTrappedProfile(String p) {
        return edit(b -> b.trappedProfile = p);
    }

    public BenchOptions withGroups(Set<String> g) {
        return edit(b -> b.groups = g);
    }

    public BenchOptions withDecideBudget(Duration d) {
        return edit(b -> b.decideBudget = d);
    }

    public BenchOptions withHaltPoll(Duration d) {
        return edit(b -> b.haltPoll = d);
    }

    public boolean measures(String group) {
        return groups.contains(group);
    }

    /** One component changed, the rest kept: what every {@code with} method does. */
    private BenchOptions edit(Consumer<Copy> change) {
        Copy c = new Copy(this);
        change.accept(c);
        return c.build();
    }

    /** The components of a {@code BenchOptions} as fields, for {@link #edit}. */
    private static final class Copy {
        Duration duration;
        Duration warmup;
        int rounds;
        List<Long> sizes;
        int clients;
        boolean spin;
        boolean pin;
        List<String> serverJavaOptions;
        long mappedWindow;
        long touchBytes;
        int launches;
        String trappedProfile;
        Set<String> groups;
        Duration decideBudget;
        Duration haltPoll;

        Copy(BenchOptions o) {
            duration = o.duration;
            warmup = o.warmup;
            rounds = o.rounds;
            sizes = o.sizes;
            clients = o.clients;
            spin = o.spin;
            pin = o.pin;
            serverJavaOptions = o.serverJavaOptions;
            mappedWindow = o.mappedWindow;
            touchBytes = o.touchBytes;
            launches = o.launches;
            trappedProfile = o.trappedProfile;
            groups = o.groups;
            decideBudget = o.decideBudget;
            haltPoll = o.haltPoll;
        }

        BenchOptions build() {
            return new BenchOptions(
                    duration,
                    warmup,
                    rounds,
                    sizes,
                    clients,
                    spin,
                    pin,
                    serverJavaOptions,
                    mappedWindow,
                    touchBytes,
                    launches,
                    trappedProfile,
                    groups,
                    decideBudget,
                    haltPoll);
        }
    }
}
