package dev.jvfio.cli;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import dev.jvfio.profile.GpuProfile;
import dev.jvfio.units.ByteSize;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Reads and validates a JSON device-profile file for {@code serve --config}. Every error names the
 * file, the field ({@code devices[1].layout}) and, for choices, the allowed values; nothing is
 * created before the whole file is valid.
 *
 * <pre>{@code
 * { "devices": [
 *     { "name": "gpu0", "profile": "gh200", "socket": "/run/jvfio/gpu0.sock", "mem-size": "96G",
 *       "memory-enable": "ignore", "layout": "bar", "ready-delay": "2s", "backing-file": "/var/lib/jvfio/gpu0.mem",
 *       "qmp": "/run/vm1/qmp.sock" }
 * ] }
 * }</pre>
 */
public final class ServeConfig {
    public static final List<String> TOP_FIELDS = List.of("devices");
    public static final List<String> DEVICE_FIELDS = List.of(
            "name", "profile", "socket", "mem-size", "memory-enable", "layout", "ready-delay", "backing-file", "qmp");

    /** In a holder: only a --config needs Jackson's tree model, and setting it up costs startup time. */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper()
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }

    private ServeConfig() {}

    /** Defaults from the command line for fields a device entry leaves out. */
    public record Defaults(String profile, Long memSize, String memoryEnable, String layout, Duration readyDelay) {}

    /** Largest config file read: a device entry takes about 200 bytes, so 256 of them fit many times over. */
    static final int MAX_BYTES = 1 << 20;

    public static List<DeviceSpec> read(Path file, Defaults defaults, Map<String, String> env) {
        return parse(
                file.toString(),
                text(file),
                defaults,
                env,
                file.toAbsolutePath().getParent());
    }

    /** The file as UTF-8 text, at most {@link #MAX_BYTES} (a device such as /dev/zero never ends). */
    static String text(Path file) {
        byte[] bytes;
        if (Files.isDirectory(file)) throw new UsageError("config " + file + ": is a directory, not a JSON file");
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_BYTES + 1);
        } catch (NoSuchFileException e) {
            throw new UsageError("config " + file + ": no such file");
        } catch (IOException e) {
            throw new UsageError("config " + file + ": cannot read it: " + Reasons.of(e));
        }
        if (bytes.length > MAX_BYTES) {
            throw new UsageError(
                    "config " + file + ": larger than " + (MAX_BYTES >> 20) + " MiB; a config is a short JSON file");
        }
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new UsageError("config " + file + ": not UTF-8 text (byte " + firstBadByte(bytes) + " is not UTF-8)");
        }
    }

    /** Offset of the first byte that does not decode as UTF-8. */
    private static int firstBadByte(byte[] bytes) {
        var decoder = StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        var result = decoder.decode(in, CharBuffer.allocate(bytes.length + 1), true);
        return result.isError() ? in.position() : bytes.length;
    }

    static List<DeviceSpec> parse(
            String source, String text, Defaults defaults, Map<String, String> env, Path baseDir) {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            if (e instanceof MismatchedInputException
                    && e.getOriginalMessage() != null
                    && e.getOriginalMessage().startsWith("Trailing token")) {
                throw new UsageError("config " + source + ": more after the JSON object" + where
                        + "; a config is one object like {\"devices\": [...]}");
            }
            throw new UsageError("config " + source + ": not valid JSON" + where + ": " + e.getOriginalMessage());
        }
        if (root == null || root.isMissingNode()) throw new UsageError("config " + source + ": the file is empty");
        if (!root.isObject()) {
            throw new UsageError("config " + source + ": the top level must be an object like {\"devices\": [...]}");
        }
        checkFields(source, "", root, TOP_FIELDS);
        JsonNode devices = root.get("devices");
        if (devices == null) throw new UsageError("config " + source + ": devices: missing (a list of device objects)");
        if (!devices.isArray() || devices.isEmpty()) {
            throw new UsageError("config " + source + ": devices: must be a non-empty list of device objects");
        }
        List<DeviceSpec> out = new ArrayList<>();
        for (int i = 0; i < devices.size(); i++) {
            out.add(device(source, "devices[" + i + "]", devices.get(i), i, defaults, env, baseDir));
        }
        checkUnique(source, out);
        return out;
    }

    private static DeviceSpec device(
            String source, String at, JsonNode node, int index, Defaults d, Map<String, String> env, Path baseDir) {
        if (!node.isObject()) throw new UsageError("config " + source + ": " + at + ": must be an object");
        checkFields(source, at + ".", node, DEVICE_FIELDS);
        String name = text(source, at, node, "name");
        if (name == null) name = "gpu" + index;
        else if (!name.matches("[A-Za-z][A-Za-z0-9_.-]{0,31}")) {
            throw new UsageError("config " + source + ": " + at + ".name: '" + name
                    + "' must start with a letter and use only letters, digits, '-', '_', '.' (at most 32)");
        }
        String profile = choice(source, at, node, "profile", DeviceSpec.PROFILES, d.profile());
        String socketText = text(source, at, node, "socket");
        Path socket = socketText == null
                ? SocketPaths.defaultSocket(env, index)
                : resolve(source, at + ".socket", baseDir, socketText);
        // --mem-size is a default for the GPUs; the sample device has no device memory to size
        Long memSize = GpuProfile.byName(profile).isPresent() ? d.memSize() : null;
        JsonNode ms = node.get("mem-size");
        if (ms != null) {
            try {
                memSize = ms.isIntegralNumber() && ms.canConvertToLong()
                        ? new ByteSize(ms.longValue()).bytes()
                        : ms.isTextual() ? ByteSize.parse(ms.textValue()).bytes() : -1L;
            } catch (IllegalArgumentException e) {
                memSize = -1L;
            }
            if (memSize <= 0) {
                throw new UsageError("config " + source + ": " + at + ".mem-size: " + ms
                        + " is not a positive size; write it like \"96G\" or \"512M\"");
            }
            String why = ProfileWiring.memorySizeProblem(profile, memSize).orElse(null);
            if (why != null) throw new UsageError("config " + source + ": " + at + ".mem-size: " + why);
        } else if (memSize != null) {
            String why = ProfileWiring.memorySizeProblem(profile, memSize).orElse(null);
            if (why != null) {
                throw new UsageError(
                        "--mem-size: " + why + " (" + at + " of config " + source + " is a " + profile + ")");
            }
        }
        String memoryEnable = choice(source, at, node, "memory-enable", DeviceSpec.MEMORY_ENABLE, d.memoryEnable());
        String layout = choice(source, at, node, "layout", DeviceSpec.LAYOUTS, d.layout());
        Duration readyDelay = d.readyDelay();
        String rd = text(source, at, node, "ready-delay");
        if (rd != null) {
            try {
                readyDelay = Converters.parseDuration(rd);
            } catch (IllegalArgumentException e) {
                throw new UsageError("config " + source + ": " + at + ".ready-delay: " + e.getMessage());
            }
            String why = DeviceSpec.readyDelayProblem(readyDelay);
            if (why != null) throw new UsageError("config " + source + ": " + at + ".ready-delay: " + why);
        }
        String bf = text(source, at, node, "backing-file");
        if (bf != null && !ProfileWiring.hasDeviceMemory(profile)) {
            throw new UsageError("config " + source + ": " + at + ".backing-file: the " + profile
                    + " profile has no device memory to keep in a file");
        }
        Path backing = bf == null ? null : resolve(source, at + ".backing-file", baseDir, bf);
        String qmp = text(source, at, node, "qmp");
        return new DeviceSpec(
                name,
                profile,
                socket,
                memSize,
                memoryEnable,
                layout,
                readyDelay,
                backing,
                qmp == null ? null : resolve(source, at + ".qmp", baseDir, qmp));
    }

    private static Path resolve(String source, String field, Path baseDir, String path) {
        try {
            Path p = Path.of(path);
            return (p.isAbsolute() || baseDir == null ? p : baseDir.resolve(p))
                    .toAbsolutePath()
                    .normalize();
        } catch (InvalidPathException e) {
            throw new UsageError("config " + source + ": " + field + ": not a usable path ("
                    + (path.indexOf('\0') >= 0 ? "it holds a NUL character" : e.getReason()) + ")");
        }
    }

    private static void checkFields(String source, String prefix, JsonNode node, List<String> allowed) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!allowed.contains(f)) {
                throw new UsageError("config " + source + ": " + prefix + f + ": unknown field; allowed fields: "
                        + String.join(", ", allowed));
            }
        }
    }

    private static String text(String source, String at, JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isTextual() || v.textValue().isBlank()) {
            throw new UsageError(
                    "config " + source + ": " + at + "." + field + ": must be a non-empty string, not " + v);
        }
        return v.textValue();
    }

    private static String choice(
            String source, String at, JsonNode node, String field, List<String> allowed, String fallback) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) return fallback;
        if (!v.isTextual() || !allowed.contains(v.textValue())) {
            throw new UsageError("config " + source + ": " + at + "." + field + ": " + v
                    + " is not allowed; allowed values: " + String.join(", ", allowed));
        }
        return v.textValue();
    }

    /** Two devices on one socket, one backing file or one name cannot work: say so before creating anything. */
    static void checkUnique(String source, List<DeviceSpec> specs) {
        for (int i = 0; i < specs.size(); i++) {
            for (int j = 0; j < i; j++) {
                DeviceSpec a = specs.get(j), b = specs.get(i);
                String where = source == null ? "" : "config " + source + ": ";
                if (a.socket().equals(b.socket())) {
                    throw new UsageError(where + a.name() + " and " + b.name() + " use the same socket " + a.socket());
                }
                if (a.backingFile() != null
                        && b.backingFile() != null
                        && BackingFiles.identity(a.backingFile()).equals(BackingFiles.identity(b.backingFile()))) {
                    throw new UsageError(where + a.name() + " and " + b.name() + " use the same backing file "
                            + a.backingFile()
                            + (a.backingFile().equals(b.backingFile()) ? "" : " (as " + b.backingFile() + ")")
                            + "; one file holds the memory of one device");
                }
                if (a.name().equals(b.name())) {
                    throw new UsageError(where + "two devices are named " + a.name());
                }
            }
        }
    }
}
