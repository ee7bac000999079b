package dev.jvfio.bench;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything one run produced: where and how it ran, the rows, and notes (skipped sizes,
 * fallbacks, anything a reader must know to compare figures).
 */
public record BenchReport(
        Map<String, Object> machine, Map<String, Object> settings, List<Row> rows, List<String> notes) {
    public BenchReport {
        machine = Collections.unmodifiableMap(new LinkedHashMap<>(machine));
        settings = Collections.unmodifiableMap(new LinkedHashMap<>(settings));
        rows = List.copyOf(rows);
        notes = List.copyOf(notes);
    }
}
