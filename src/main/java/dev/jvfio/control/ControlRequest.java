package dev.jvfio.control;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jvfio.device.Fault;
import java.time.Duration;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

/**
 * One request on the control socket: a JSON object on one line (at most {@link #MAX_LINE} bytes).
 *
 * <pre>{@code
 * {"command":"status"}
 * {"command":"unplug","device":"gpu0"}
 * {"command":"inject","device":"gpu0","fault":"stall","for-ms":500}
 * {"command":"recover","device":"gpu0"}
 * }</pre>
 *
 * Parsing checks everything (fields, types, names, ranges) and says what is wrong.
 *
 * @param command status, unplug, inject or recover
 * @param device  the device name (not for status)
 * @param fault   the fault (inject only)
 * @param length  how long the fault lasts (inject stall), else null
 */
public record ControlRequest(String command, String device, Fault fault, Duration length) {
    /** The longest request line, newline included. */
    public static final int MAX_LINE = 4096;

    public static final List<String> COMMANDS = List.of("status", "unplug", "inject", "recover");
    /** The longest stall a request may ask for. */
    public static final long MAX_FOR_MS = 60_000;

    static final ObjectMapper JSON = new ObjectMapper();
    private static final String EXAMPLE = "requests are one JSON object per line, e.g. {\"command\":\"status\"}";

    /** Parses one request line (without its newline). */
    public static ControlRequest parse(String line) throws ControlException {
        JsonNode n;
        try {
            n = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new ControlException("not JSON: " + EXAMPLE);
        }
        if (n == null || !n.isObject()) {
            throw new ControlException(EXAMPLE);
        }
        String command = text(n, "command");
        if (command == null || !COMMANDS.contains(command)) {
            throw new ControlException("\"command\" must be one of " + String.join(", ", COMMANDS));
        }
        List<String> allowed = switch (command) {
            case "status" -> List.of("command");
            case "inject" -> List.of("command", "device", "fault", "for-ms");
            default -> List.of("command", "device");
        };
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!allowed.contains(f)) {
                throw new ControlException("unknown field \"" + abbreviate(f) + "\" for " + command + "; allowed: "
                        + String.join(", ", allowed));
            }
        }
        if (command.equals("status")) {
            return new ControlRequest(command, null, null, null);
        }
        String device = text(n, "device");
        if (device == null || device.isEmpty()) {
            throw new ControlException(command + " needs \"device\" (a device name such as gpu0)");
        }
        if (!command.equals("inject")) {
            return new ControlRequest(command, device, null, null);
        }
        String f = text(n, "fault");
        Fault fault = f == null ? null : Fault.byCliName(f);
        if (fault == null) {
            throw new ControlException("\"fault\" must be one of " + faultNames());
        }
        Duration length = null;
        JsonNode ms = n.get("for-ms");
        if (ms != null) {
            if (!ms.isIntegralNumber() || !ms.canConvertToLong() || ms.longValue() < 1 || ms.longValue() > MAX_FOR_MS) {
                throw new ControlException("\"for-ms\" must be a whole number of milliseconds from 1 to " + MAX_FOR_MS);
            }
            length = Duration.ofMillis(ms.longValue());
        }
        if (fault == Fault.STALL && length == null) {
            throw new ControlException("a stall needs \"for-ms\" (1 to " + MAX_FOR_MS + ")");
        }
        if (fault != Fault.STALL && length != null) {
            throw new ControlException("\"for-ms\" is for stall only; " + fault.cliName() + " lasts until recover");
        }
        return new ControlRequest(command, device, fault, length);
    }

    /** This request as its line (without the newline). */
    public String toLine() {
        ObjectNode o = JSON.createObjectNode().put("command", command);
        if (device != null) {
            o.put("device", device);
        }
        if (fault != null) {
            o.put("fault", fault.cliName());
        }
        if (length != null) {
            o.put("for-ms", length.toMillis());
        }
        return o.toString();
    }

    static String faultNames() {
        return String.join(
                ", ", Arrays.stream(Fault.values()).map(Fault::cliName).toList());
    }

    private static String text(JsonNode n, String field) throws ControlException {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw new ControlException("\"" + field + "\" must be a string");
        }
        return v.textValue();
    }

    static String abbreviate(String s) {
        String clean = s.replaceAll("\\p{Cntrl}", "?");
        return clean.length() <= 40 ? clean : clean.substring(0, 40) + "...";
    }
}
