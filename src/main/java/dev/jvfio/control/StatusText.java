package dev.jvfio.control;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jvfio.units.ByteSize;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** {@code jvfio ctl status} for people: a few lines per device from the JSON of {@link StatusReport}. */
public final class StatusText {
    private StatusText() {}

    public static String render(JsonNode reply) {
        StringBuilder sb = new StringBuilder();
        for (JsonNode d : reply.path("devices")) {
            sb.append(d.path("name").asText())
                    .append(": ")
                    .append(d.path("profile").asText())
                    .append(" on ")
                    .append(d.path("socket").asText());
            if (!d.path("qmp").isNull() && !d.path("qmp").isMissingNode()) {
                sb.append(", VMM QMP ").append(d.path("qmp").asText());
            }
            sb.append('\n');
            JsonNode c = d.path("client");
            if (c.isNull() || c.isMissingNode()) {
                sb.append("  client: none\n");
            } else {
                sb.append("  client: pid ")
                        .append(c.path("pid").asInt())
                        .append(" uid ")
                        .append(c.path("uid").asInt())
                        .append(", connected since ")
                        .append(c.path("connected-since").asText())
                        .append(" (")
                        .append(duration(c.path("connected-seconds").asLong()))
                        .append(")\n");
                sb.append("  DMA: ")
                        .append(c.path("dma-windows").asInt())
                        .append(" windows, ")
                        .append(bytes(c.path("dma-bytes").asLong()))
                        .append(" mapped\n");
                sb.append("  messages: ").append(counts(c.path("messages"))).append('\n');
                sb.append("  errors: ").append(counts(c.path("errors"))).append('\n');
            }
            List<String> irqs = new ArrayList<>();
            for (JsonNode i : d.path("irqs")) {
                int vectors = i.path("vectors").asInt();
                if (vectors == 0) {
                    continue;
                }
                String s = i.path("kind").asText() + " " + i.path("armed").asInt() + "/" + vectors;
                if (i.path("enabled").asBoolean()) {
                    s += " enabled";
                }
                if (i.path("unmask-eventfd").asBoolean()) {
                    s += " +unmask eventfd";
                }
                irqs.add(s);
            }
            sb.append("  IRQs armed: ").append(String.join(", ", irqs)).append('\n');
            sb.append("  resets: ")
                    .append(d.path("resets").asLong())
                    .append(", health: ")
                    .append(d.path("health").asText())
                    .append('\n');
            sb.append("  counters: ").append(counts(d.path("counters"))).append('\n');
            List<String> faults = new ArrayList<>();
            d.path("faults").forEach(f -> faults.add(f.asText()));
            sb.append("  faults: ")
                    .append(faults.isEmpty() ? "none" : String.join(", ", faults))
                    .append('\n');
        }
        return sb.toString();
    }

    private static String counts(JsonNode o) {
        List<String> parts = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            parts.add(e.getKey() + " " + e.getValue().asLong());
        }
        return parts.isEmpty() ? "none" : String.join(", ", parts);
    }

    private static String duration(long s) {
        return s < 60 ? s + "s" : s < 3600 ? s / 60 + "m" + s % 60 + "s" : s / 3600 + "h" + s % 3600 / 60 + "m";
    }

    private static String bytes(long b) {
        return b < 0 ? Long.toUnsignedString(b) + " B" : new ByteSize(b).human();
    }
}
