package dev.jvfio.server;

import dev.jvfio.protocol.Command;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Requests and error replies of one session by command: counted by the session thread, read by
 * whoever asks for a {@link ClientStatus}. Commands past the known ones count together.
 */
final class MessageCounts {
    /** Slots 1 .. 31: the command numbers; 0: any other number. */
    private static final int SLOTS = 32;

    private final AtomicLongArray messages = new AtomicLongArray(SLOTS);
    private final AtomicLongArray errors = new AtomicLongArray(SLOTS);

    private static int slot(int command) {
        return command > 0 && command < SLOTS ? command : 0;
    }

    void message(int command) {
        messages.incrementAndGet(slot(command));
    }

    void error(int command) {
        errors.incrementAndGet(slot(command));
    }

    Map<String, Long> messages() {
        return byName(messages);
    }

    Map<String, Long> errors() {
        return byName(errors);
    }

    private static Map<String, Long> byName(AtomicLongArray counts) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (int i = 1; i < SLOTS; i++) {
            long n = counts.get(i);
            if (n > 0) {
                out.put(Command.name(i), n);
            }
        }
        if (counts.get(0) > 0) {
            out.put("other", counts.get(0));
        }
        return out;
    }
}
