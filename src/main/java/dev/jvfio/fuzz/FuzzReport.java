package dev.jvfio.fuzz;

import dev.jvfio.device.Errno;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a fuzzing run did and found.
 *
 * @param seed            the seed that replays the run's hostile messages
 * @param seconds         wall time fuzzed
 * @param messages        hostile messages sent (stray replies and cut-short messages included,
 *                        sync requests not)
 * @param bytes           bytes of those messages
 * @param replies         replies received and checked (sync replies included)
 * @param errnos          error replies by errno name
 * @param attaches        successful client attaches (the first one and every re-attach)
 * @param closedByServer  sessions the server ended (each followed by a successful attach)
 * @param truncated       messages cut short, after which we hung up
 * @param split           messages sent in several pieces
 * @param strayReplies    reply-type messages slipped between requests
 * @param handshakes      connections whose first message was hostile
 * @param fdsSent         file descriptors sent with messages
 * @param probeChecks     correct round trips of the probe client on the other device
 * @param fdsBefore       open fds of the server process before the run
 * @param fdsAfter        open fds after every client left
 * @param dmaMapsAfter    mappings of the fuzzer's DMA memfds still in the server after the run
 * @param failures        contract violations (empty when the server behaved)
 */
public record FuzzReport(
        long seed,
        double seconds,
        long messages,
        long bytes,
        long replies,
        Map<String, Long> errnos,
        long attaches,
        long closedByServer,
        long truncated,
        long split,
        long strayReplies,
        long handshakes,
        long fdsSent,
        long probeChecks,
        int fdsBefore,
        int fdsAfter,
        int dmaMapsAfter,
        List<String> failures) {

    public double messagesPerSecond() {
        return seconds <= 0 ? 0 : messages / seconds;
    }

    public boolean passed() {
        return failures.isEmpty();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(
                "fuzz seed %d: %d hostile messages (%d bytes) in %.1f s = %.0f msg/s%n",
                seed, messages, bytes, seconds, messagesPerSecond()));
        sb.append(String.format("  replies checked %d; error replies %s%n", replies, errnos));
        sb.append(String.format(
                "  attaches %d, sessions closed by the server %d, cut short by us %d, split %d, "
                        + "stray replies %d, hostile handshakes %d, fds sent %d%n",
                attaches, closedByServer, truncated, split, strayReplies, handshakes, fdsSent));
        sb.append(String.format("  probe device: %d correct round trips%n", probeChecks));
        sb.append(String.format(
                "  server fds before %d, after %d; fuzzer DMA mappings left %d%n", fdsBefore, fdsAfter, dmaMapsAfter));
        sb.append(failures.isEmpty() ? "  no failures" : "  FAILURES:\n    " + String.join("\n    ", failures));
        return sb.toString();
    }

    /** Thread-safe counters filled while fuzzing. */
    public static final class Builder {
        private final long seed;
        private long messages;
        private long bytes;
        private long replies;
        private final Map<String, Long> errnos = new TreeMap<>();
        private long attaches;
        private long closedByServer;
        private long truncated;
        private long split;
        private long strayReplies;
        private long handshakes;
        private long fdsSent;
        private long probeChecks;
        private final List<String> failures = new ArrayList<>();

        public Builder(long seed) {
            this.seed = seed;
        }

        synchronized void message(int size) {
            messages++;
            bytes += size;
        }

        synchronized void reply(int errno) {
            replies++;
            if (errno != 0) {
                errnos.merge(Errno.name(errno), 1L, Long::sum);
            }
        }

        synchronized void attached() {
            attaches++;
        }

        synchronized void sessionClosedByServer() {
            closedByServer++;
        }

        synchronized void truncated() {
            truncated++;
        }

        synchronized void split() {
            split++;
        }

        synchronized void strayReply() {
            strayReplies++;
        }

        synchronized void handshake() {
            handshakes++;
        }

        synchronized void fdsSent(int n) {
            fdsSent += n;
        }

        synchronized void probeCheck() {
            probeChecks++;
        }

        public synchronized void failure(String what) {
            if (failures.size() < 50) {
                failures.add(what);
            }
        }

        public synchronized int failures() {
            return failures.size();
        }

        public synchronized long messages() {
            return messages;
        }

        public synchronized long probeChecks() {
            return probeChecks;
        }

        public synchronized FuzzReport build(double seconds, int fdsBefore, int fdsAfter, int dmaMapsAfter) {
            return new FuzzReport(
                    seed,
                    seconds,
                    messages,
                    bytes,
                    replies,
                    Map.copyOf(errnos),
                    attaches,
                    closedByServer,
                    truncated,
                    split,
                    strayReplies,
                    handshakes,
                    fdsSent,
                    probeChecks,
                    fdsBefore,
                    fdsAfter,
                    dmaMapsAfter,
                    List.copyOf(failures));
        }
    }
}
