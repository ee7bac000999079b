package dev.jvfio.trace;

import java.util.List;

/**
 * What the decoder found in one message.
 *
 * @param fields   the fields that matter for its command, in wire order
 * @param problems why the decoder rejects it (empty when it does not); the message was forwarded anyway
 */
public record Decoded(List<Field> fields, List<String> problems) {
    static final Decoded NOTHING = new Decoded(List.of(), List.of());
}
