package dev.jvfio.bench;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Prints a {@link BenchReport} as a fixed-width table for people. */
public final class Table {
    private static final String FORMAT = "%-10s %-34s %-5s %9s %9s   %9s %9s   %6s %6s   %-17s %-6s  %s%n";

    private Table() {}

    public static void print(BenchReport report, PrintWriter out) {
        out.println("jvfio bench: " + describe(report.machine()));
        Object busy = report.machine().get("busy");
        if (busy instanceof String b && b.startsWith("yes")) {
            out.println("the machine was busy when the run started: " + Bench.BUSY_ADVICE
                    + "; undecided rows got added rounds within the decide budget (settings)");
        }
        out.println("settings: " + describe(report.settings()));
        out.println();
        out.printf(
                Locale.ROOT,
                FORMAT,
                "group",
                "row",
                "unit",
                "subject",
                "best",
                "floor",
                "best",
                "ratio",
                "best",
                "paired [95% CI]",
                "rounds",
                "target");
        String group = null;
        for (Row r : report.rows()) {
            if (group != null && !group.equals(r.group())) {
                out.println();
            }
            String g = r.group().equals(group) ? "" : r.group();
            group = r.group();
            String target = r.target() == null
                    ? ""
                    : r.target().text() + "  " + r.target().describe();
            out.printf(
                    Locale.ROOT,
                    FORMAT,
                    g,
                    r.label(),
                    r.unit(),
                    number(r.subject().median()),
                    number(r.subject().best()),
                    number(r.floor().median()),
                    number(r.floor().best()),
                    ratio(r.ratio()),
                    ratio(r.ratioBest()),
                    r.spread() == null ? "" : r.spread().describe(),
                    r.rounds() == null ? "" : r.rounds().describe(),
                    target);
            if (r.subjectLatency() != null && r.floorLatency() != null) {
                Latency s = r.subjectLatency();
                Latency f = r.floorLatency();
                out.printf(
                        Locale.ROOT,
                        FORMAT,
                        "",
                        "  latency p50 / p99",
                        "us",
                        number(s.p50Micros()),
                        number(s.p99Micros()),
                        number(f.p50Micros()),
                        number(f.p99Micros()),
                        ratio(f.p50Micros() / s.p50Micros()),
                        "",
                        "",
                        "",
                        "");
            }
        }
        out.println();
        out.println("floors: " + floors(report));
        out.println("subject and floor alternate round by round (clients and metrics rows: operation by operation,"
                + " each round trip timed); 'subject'/'floor' are medians over the rounds,"
                + " 'best' the best round; ratio = subject/floor for rates, floor/subject for times and memory"
                + " (1.00 = as good as the floor). The latency line shows p50 and p99 (ratio of the p50s).");
        out.println("paired: geometric mean of the round-by-round ratios (round i of the subject against round i of"
                + " its floor) with its 95% confidence interval (Student t).");
        out.println("target: met when the whole 95% interval is at or above a ratio target (at or below a time or"
                + " memory limit: the interval of the launches or readings), MISSED when the whole interval is on the"
                + " wrong side, otherwise undecided (why). rounds: rounds per side (launches for the ready row),"
                + " N+M when M were added because the verdict was undecided (--decide-budget).");
        for (String n : report.notes()) {
            out.println("note: " + n);
        }
        out.flush();
    }

    private static String floors(BenchReport report) {
        Map<String, Set<String>> byGroup = new LinkedHashMap<>();
        for (Row r : report.rows()) {
            byGroup.computeIfAbsent(r.group(), g -> new LinkedHashSet<>()).add(r.floorName());
        }
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, Set<String>> e : byGroup.entrySet()) {
            sb.append(System.lineSeparator())
                    .append("  ")
                    .append(e.getKey())
                    .append(": ")
                    .append(String.join("; ", e.getValue()));
        }
        return sb.toString();
    }

    private static String describe(Map<String, Object> m) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, Object> e : m.entrySet()) {
            if (!sb.isEmpty()) {
                sb.append(", ");
            }
            sb.append(e.getKey()).append(' ').append(e.getValue());
        }
        return sb.toString();
    }

    static String ratio(double r) {
        return Double.isFinite(r) ? String.format(Locale.ROOT, "%.2f", r) : "-";
    }

    /** 3 significant digits, k and M for large values: 18.2k, 1234 -> 1.23k, 52.1, 0.93. */
    static String number(double v) {
        if (!Double.isFinite(v)) {
            return "-";
        }
        double a = Math.abs(v);
        if (a >= 1e7) {
            return String.format(Locale.ROOT, "%.1fM", v / 1e6);
        }
        if (a >= 1e5) {
            return String.format(Locale.ROOT, "%.0fk", v / 1e3);
        }
        if (a >= 1e4) {
            return String.format(Locale.ROOT, "%.1fk", v / 1e3);
        }
        if (a >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }
}
