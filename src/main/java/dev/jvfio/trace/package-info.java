/**
 * {@code jvfio trace}: a decoding vfio-user proxy. It accepts a client on one socket, connects to
 * the real server on another and forwards every message in both directions unchanged, file
 * descriptors included, while it prints one line per message (and optionally JSON lines that the
 * trace-replay tests read). Built on {@code transport} (sockets, SCM_RIGHTS), {@code protocol}
 * (the header and the codecs it decodes with) and {@code os} (fds); it knows neither the server nor
 * the client, so it traces any pair of them.
 *
 * <p>It adds no behaviour: a message its decoder rejects is forwarded as it came and flagged in the
 * log; when one side disconnects the other is disconnected too. docs/trace.md describes the output
 * and the behaviours (TRACE-*) the tests check.
 */
package dev.jvfio.trace;
