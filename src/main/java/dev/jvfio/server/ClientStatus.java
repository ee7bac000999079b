package dev.jvfio.server;

import java.time.Instant;
import java.util.Map;

/**
 * The client attached to a {@link VfioUserServer}, for diagnostics ({@code jvfio ctl status}).
 *
 * @param pid            the client's process (SO_PEERCRED)
 * @param uid            its user
 * @param connectedSince when its connection was accepted
 * @param dmaWindows     DMA windows it holds
 * @param dmaBytes       bytes those windows cover
 * @param messages       requests received, by command name (VERSION included), in command order
 * @param errors         error replies (or failed posted requests), by command name
 */
public record ClientStatus(
        int pid,
        int uid,
        Instant connectedSince,
        int dmaWindows,
        long dmaBytes,
        Map<String, Long> messages,
        Map<String, Long> errors) {
    public ClientStatus {
        messages = Map.copyOf(messages);
        errors = Map.copyOf(errors);
    }
}
