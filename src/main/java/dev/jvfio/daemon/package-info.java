/**
 * Living under a service manager: {@link dev.jvfio.daemon.ServiceManager} speaks systemd's
 * notification protocol (READY, STATUS, STOPPING, the watchdog) over an AF_UNIX datagram socket
 * made with the {@code os} layer's downcalls, and {@link dev.jvfio.daemon.JournalStream} tells
 * whether standard error is the journal. Knows nothing of devices or vfio-user; without systemd's
 * variables in the environment none of it does anything.
 */
package dev.jvfio.daemon;
