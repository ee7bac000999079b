package dev.jvfio.daemon;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What a daemon tells the service manager that started it (sd_notify(3), the protocol of
 * {@code Type=notify} units): {@code READY=1} once it serves, {@code STATUS=} lines for
 * {@code systemctl status}, {@code STOPPING=1} when it begins to shut down, and {@code WATCHDOG=1}
 * at half the interval the manager asked for in {@code WATCHDOG_USEC} (only if
 * {@code WATCHDOG_PID} is unset or names this process, as the protocol says).
 *
 * <p>Without {@code NOTIFY_SOCKET} in the environment every method does nothing, so a daemon
 * started by hand behaves exactly as before. A message that cannot be sent is reported once to
 * the {@code problems} consumer and never fails the daemon: the manager decides what a missing
 * READY means (a start timeout), not us.
 */
public final class ServiceManager implements AutoCloseable {
    private final NotifySocket socket;
    private final Duration watchdogInterval;
    private final Consumer<String> problems;
    private volatile boolean reported;
    private Thread watchdog;

    private ServiceManager(NotifySocket socket, Duration watchdogInterval, Consumer<String> problems) {
        this.socket = socket;
        this.watchdogInterval = watchdogInterval;
        this.problems = problems;
    }

    /** A manager that hears nothing (no NOTIFY_SOCKET). */
    public static ServiceManager none() {
        return new ServiceManager(null, null, s -> {});
    }

    /**
     * The service manager named by {@code env} (NOTIFY_SOCKET, WATCHDOG_USEC, WATCHDOG_PID), or
     * {@link #none()}; a NOTIFY_SOCKET we cannot use is reported to {@code problems}.
     */
    public static ServiceManager fromEnvironment(Map<String, String> env, long ownPid, Consumer<String> problems) {
        String address = env.get("NOTIFY_SOCKET");
        if (address == null || address.isEmpty()) return none();
        NotifySocket socket;
        try {
            socket = NotifySocket.open(address);
        } catch (IOException e) {
            problems.accept("cannot notify the service manager: " + e.getMessage());
            return none();
        }
        return new ServiceManager(socket, watchdogInterval(env, ownPid), problems);
    }

    /**
     * Half of WATCHDOG_USEC when the watchdog is meant for this process, else null: the interval
     * sd_watchdog_enabled(3) recommends pinging at.
     */
    static Duration watchdogInterval(Map<String, String> env, long ownPid) {
        String usec = env.get("WATCHDOG_USEC");
        if (usec == null) return null;
        String pid = env.get("WATCHDOG_PID");
        if (pid != null && !pid.equals(Long.toString(ownPid))) return null;
        long micros;
        try {
            micros = Long.parseLong(usec);
        } catch (NumberFormatException e) {
            return null;
        }
        if (micros <= 0) return null;
        return Duration.ofNanos(Math.max(1, micros / 2) * 1000L);
    }

    /** Whether a service manager listens (NOTIFY_SOCKET was usable). */
    public boolean active() {
        return socket != null;
    }

    /** The watchdog ping interval, or null when no watchdog is asked for. */
    public Duration watchdogInterval() {
        return socket == null ? null : watchdogInterval;
    }

    /** READY=1 with a first STATUS line; starts the watchdog pings if asked for. */
    public void ready(String status) {
        send("READY=1\nSTATUS=" + oneLine(status) + "\nMAINPID="
                + ProcessHandle.current().pid());
        startWatchdog();
    }

    /** A new STATUS line (what {@code systemctl status} shows). */
    public void status(String status) {
        send("STATUS=" + oneLine(status));
    }

    /** STOPPING=1: the daemon has begun to shut down. */
    public void stopping(String status) {
        stopWatchdog();
        send("STOPPING=1\nSTATUS=" + oneLine(status));
    }

    private static String oneLine(String s) {
        return s.replace('\n', ' ');
    }

    private synchronized void startWatchdog() {
        if (socket == null || watchdogInterval == null || watchdog != null) return;
        watchdog = Thread.ofPlatform().daemon().name("sd-watchdog").start(() -> {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    send("WATCHDOG=1");
                    Thread.sleep(watchdogInterval);
                }
            } catch (InterruptedException e) {
                // stopping
            }
        });
    }

    private synchronized void stopWatchdog() {
        if (watchdog != null) {
            watchdog.interrupt();
            watchdog = null;
        }
    }

    private void send(String state) {
        if (socket == null) return;
        try {
            socket.send(state);
        } catch (IOException e) {
            if (!reported) {
                reported = true;
                problems.accept("cannot notify the service manager: " + e.getMessage());
            }
        }
    }

    @Override
    public void close() {
        stopWatchdog();
        if (socket != null) socket.close();
    }
}
