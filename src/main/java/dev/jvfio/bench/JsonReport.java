package dev.jvfio.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Path;

/** Writes a {@link BenchReport} as JSON (machine, settings, rows with every round, notes). */
public final class JsonReport {
    private JsonReport() {}

    public static void write(BenchReport report, Path file) throws IOException {
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), report);
    }
}
