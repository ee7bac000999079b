package dev.jvfio.conform;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The outcome of a run: one line per check (status, id, reason), a summary, and what the cleanup
 * at the end did; as text or as JSON.
 *
 * @param socket   the server's socket
 * @param outcomes the checks in catalogue order
 * @param cleanup  the device reset at the end, e.g. "DEVICE_RESET done"
 */
public record Report(String socket, List<Outcome> outcomes, String cleanup) {

    /** One check's line. */
    public record Outcome(String id, String spec, String title, Status status, String reason) {
        public String line() {
            return String.format("%-4s %-40s %s", status, id, reason);
        }
    }

    public long count(Status status) {
        return outcomes.stream().filter(o -> o.status() == status).count();
    }

    public boolean failed() {
        return count(Status.FAIL) > 0;
    }

    public String summary() {
        return count(Status.PASS) + " passed, " + count(Status.FAIL) + " failed, " + count(Status.SKIP) + " skipped";
    }

    /** The text form: a line per check, the cleanup, the summary. */
    public List<String> lines() {
        List<String> lines = new ArrayList<>();
        outcomes.forEach(o -> lines.add(o.line()));
        lines.add("cleanup: " + cleanup);
        lines.add(summary());
        return lines;
    }

    public String json() {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = mapper.createObjectNode();
        root.put("socket", socket);
        ArrayNode checks = root.putArray("checks");
        for (Outcome o : outcomes) {
            checks.addObject()
                    .put("id", o.id())
                    .put("spec", o.spec())
                    .put("title", o.title())
                    .put("status", o.status().name())
                    .put("reason", o.reason());
        }
        root.put("cleanup", cleanup);
        root.putObject("summary")
                .put("pass", count(Status.PASS))
                .put("fail", count(Status.FAIL))
                .put("skip", count(Status.SKIP));
        try {
            return mapper.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String seconds(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + " s" : String.format("%.1f s", ms / 1000.0);
    }
}
