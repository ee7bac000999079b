package dev.jvfio.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The child side of {@link OptionWalkTest}: every option of every command, given bad values, run in
 * this JVM (so values such as a NUL character, which no command line can carry, reach the option
 * too) with its working directory and {@code XDG_RUNTIME_DIR} in the test's directory. Prints one
 * line per case, {@code ok ...} or {@code FAIL ...} with what went wrong, and a last line
 * {@code cases N failed M}.
 */
public final class OptionWalk {
    /** Longest a case may take: every bad value must be refused before any work starts. */
    static final Duration CASE_LIMIT = Duration.ofSeconds(30);

    static final String NUL = "a\0b";
    static final String NOT_UTF8 = "\uFFFD.x";
    static final String LONE_SURROGATE = "\uD800x";
    /** A file in a directory that does not exist (relative: nothing outside the test's directory is touched). */
    static final String MISSING = "missing-dir/x";

    record Case(String command, String option, List<String> args) {}

    private OptionWalk() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of("").toAbsolutePath();
        Files.writeString(dir.resolve("regular"), "a regular file");
        Files.write(dir.resolve("latin1.json"), new byte[] {'{', '"', (byte) 0xe9, '"', ':', '1', '}'});
        Files.writeString(dir.resolve("two.json"), "{\"devices\": [{}]} {\"devices\": [{}]}");
        List<Case> cases = cases(dir);
        int failed = 0;
        for (Case c : cases) {
            String problem = run(c, dir);
            if (problem != null) failed++;
            System.out.println((problem == null ? "ok   " : "FAIL ") + c.command() + " " + printable(c.args())
                    + (problem == null ? "" : "\n     " + problem.replace("\n", "\n     ")));
        }
        System.out.println("cases " + cases.size() + " failed " + failed);
        System.out.flush();
        Runtime.getRuntime().halt(0); // a case that wrongly started serving must not keep this JVM
    }

    /** Every command's every option (help and version aside), each with the bad values of its type and role. */
    static List<Case> cases(Path dir) {
        List<Case> out = new ArrayList<>();
        CommandLine root = Main.commandLine();
        for (Map.Entry<String, CommandLine> sub : new TreeMap<>(root.getSubcommands()).entrySet()) {
            if (sub.getKey().equals("help")) continue;
            CommandSpec spec = sub.getValue().getCommandSpec();
            for (OptionSpec o : spec.options()) {
                if (o.usageHelp() || o.versionHelp()) continue;
                for (String bad : badValues(sub.getKey(), o, dir)) {
                    List<String> args = new ArrayList<>(List.of(sub.getKey()));
                    args.addAll(base(sub.getKey(), o.longestName()));
                    if (o.arity().max() == 0) {
                        args.add(o.longestName() + "=" + bad);
                    } else {
                        args.add(o.longestName());
                        args.add(bad);
                    }
                    out.add(new Case(sub.getKey(), o.longestName(), args));
                }
            }
        }
        return out;
    }

    /** Other arguments a command needs so that only the option under test can make it a usage error. */
    static List<String> base(String command, String option) {
        List<String> b = new ArrayList<>();
        if ((command.equals("lspci") || command.equals("peek")) && !option.equals("--socket")) {
            b.addAll(List.of("--socket", "absent.sock")); // with good options: exit 1, no server there
        }
        if (command.equals("peek") && !option.equals("--region")) b.addAll(List.of("--region", "4"));
        if (command.equals("fuzz") && !option.equals("--seconds")) b.addAll(List.of("--seconds", "1"));
        if (command.equals("trace")) {
            if (!option.equals("--listen")) b.addAll(List.of("--listen", "walk-proxy.sock"));
            if (!option.equals("--connect")) b.addAll(List.of("--connect", "absent.sock"));
        }
        if (command.equals("ctl")) b.add("status"); // with good options: exit 1, no serve there
        if (command.equals("conform") && !option.equals("--socket")) b.addAll(List.of("--socket", "absent.sock"));
        if (command.equals("migrate")) {
            if (!option.equals("--from")) b.addAll(List.of("--from", "absent-from.sock"));
            if (!option.equals("--to")) b.addAll(List.of("--to", "absent-to.sock"));
        }
        return b;
    }

    static List<String> badValues(String command, OptionSpec o, Path dir) {
        String name = o.longestName();
        List<String> v = new ArrayList<>();
        if (o.arity().max() == 0) {
            v.add("maybe"); // a flag given a value
            return v;
        }
        Class<?> type = o.auxiliaryTypes()[0];
        v.addAll(List.of("", NUL, NOT_UTF8, LONE_SURROGATE));
        if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
            v.addAll(List.of("x", "1.5", "99999999999999999999", "-99999999999999999999"));
        } else if (type.getSimpleName().equals("ByteSize")) {
            v.addAll(List.of("x", "-1G", "1.3", "1e3", "99999999999T"));
        } else if (type == Duration.class) {
            v.addAll(List.of("x", "-1s", "1.5s", "99999999999999999h"));
        } else if (type == Path.class) {
            // (a missing directory is fine for a socket: serve creates it, and a client finds no server)
        } else {
            v.addAll(List.of("nope", "x".repeat(5000)));
        }
        v.addAll(
                switch (command + " " + name) {
                    case "serve --gpus" -> List.of("0", "-1", "257");
                    case "serve --mem-size" -> List.of("1G", "0", "65T");
                    case "serve --ready-delay" -> List.of("61m", "2h");
                    case "serve --allow-uid" -> List.of("-1");
                    case "serve --socket" ->
                        List.of(".", "regular", "/sys/jvfio-walk/x.sock", "/tmp/" + "s".repeat(120), "regular/x.sock");
                    case "serve --config" ->
                        List.of(".", "/dev/zero", "/proc/self/mem", "latin1.json", "two.json", MISSING);
                    case "serve --backing-file" ->
                        List.of(".", "/dev/zero", "/proc/jvfio-walk-m", "regular/m", MISSING);
                    case "lspci --socket", "peek --socket" -> List.of(".", "regular", "/dev/null");
                    case "qemu-args --gpus" -> List.of("0", "-1", "16");
                    case "qemu-args --socket" -> List.of();
                    case "qemu-args --mem-size" -> List.of("100", "0");
                    case "qemu-args --ram" -> List.of("3M", "0", "3000T");
                    case "qemu-args --cpus" -> List.of("0", "4097");
                    case "qemu-args --spare-ports" -> List.of("-1", "17");
                    case "bench --duration" -> List.of("0");
                    case "bench --halt-poll" -> List.of("2s", "1001ms");
                    case "bench --rounds" -> List.of("0", "1001");
                    case "bench --sizes" -> List.of("0", "65M", "4K,,8K");
                    case "bench --clients" -> List.of("0", "65");
                    case "bench --json", "peek --out" ->
                        List.of(".", "/proc/jvfio-walk.json", "regular/x.json", MISSING);
                    case "bench --mapped-window" -> List.of("1K", "0");
                    case "bench --touch" -> List.of("1");
                    case "bench --launches" -> List.of("0", "21");
                    case "bench --only" -> List.of("trapped,nope");
                    case "bench --child-java-option" -> List.of("x");
                    case "fuzz --seconds" -> List.of("0", "-1", "604801", "99999999999");
                    case "peek --region" -> List.of("-1", "100");
                    case "peek --offset" -> List.of("-1", "99999999999T", "0xZZ");
                    case "peek --count" -> List.of("0", "2G", "-1");
                    default -> List.of();
                });
        return v;
    }

    /** Why the case is wrong, or null: exit 2, one message naming the option, no trace, nothing created or changed. */
    static String run(Case c, Path dir) throws Exception {
        Map<Path, String> before = snapshot(dir);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        CompletableFuture<Integer> exit = new CompletableFuture<>();
        Thread.ofPlatform()
                .daemon()
                .name("walk " + c.command())
                .start(() -> exit.complete(cl.execute(c.args().toArray(String[]::new))));
        int code;
        try {
            code = exit.get(CASE_LIMIT.toSeconds(), TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            return "still running after " + CASE_LIMIT.toSeconds() + " s: the bad value was taken\n" + err;
        }
        String e = err.toString();
        String wanted = c.option().equals("--config") ? "config" : c.option();
        List<String> problems = new ArrayList<>();
        if (code != 2) problems.add("exit " + code + ", not 2");
        if (!e.contains(wanted)) problems.add("the message does not name " + wanted);
        if (e.contains("Exception") || e.contains("\tat ") || e.contains("internal error"))
            problems.add("a trace or internal error");
        if (e.lines()
                        .filter(l -> !l.startsWith("Try '") && !l.startsWith("Did you mean"))
                        .count()
                > 1) {
            problems.add("more than one line of message");
        }
        if (!out.toString().isEmpty()) problems.add("stdout is not empty");
        Map<Path, String> after = snapshot(dir);
        if (!after.equals(before)) problems.add("files created or changed: " + diff(before, after));
        return problems.isEmpty() ? null : String.join("; ", problems) + "\n--- stderr\n" + e + "--- stdout\n" + out;
    }

    /** Every file under dir (recursively, symlinks not followed) with its size and modification time. */
    static Map<Path, String> snapshot(Path dir) throws IOException {
        Map<Path, String> m = new TreeMap<>();
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.toList()) {
                m.put(
                        dir.relativize(p),
                        Files.isDirectory(p)
                                ? "dir"
                                : Files.size(p) + "@"
                                        + Files.getLastModifiedTime(p).toMillis());
            }
        }
        return m;
    }

    static String diff(Map<Path, String> before, Map<Path, String> after) {
        List<String> d = new ArrayList<>();
        after.forEach((p, s) -> {
            if (!s.equals(before.get(p))) d.add(p + (before.containsKey(p) ? " changed" : " created"));
        });
        before.keySet().stream().filter(p -> !after.containsKey(p)).forEach(p -> d.add(p + " removed"));
        return String.join(", ", d);
    }

    static String printable(List<String> args) {
        return args.stream()
                .map(a -> a.isEmpty()
                        ? "''"
                        : a.length() > 60
                                ? a.substring(0, 20) + "...(" + a.length() + ")"
                                : a.replace("\0", "\\0")
                                        .replace("\uFFFD", "\\uFFFD")
                                        .replace("\uD800", "\\uD800"))
                .toList()
                .toString();
    }
}
