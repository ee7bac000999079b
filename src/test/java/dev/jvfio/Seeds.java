package dev.jvfio;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Seeds of the randomized tests. By default every test uses its own fixed seed, so a CI run is
 * reproducible and cannot fail by chance; the seed is in every failure message.
 * <ul>
 * <li>{@code -Djvfio.seed=N} replays seed N (every randomized test that runs uses exactly N);</li>
 * <li>{@code -Djvfio.seed=random} draws a fresh seed on each call, to explore new inputs on demand.</li>
 * </ul>
 */
public final class Seeds {
    public static final String PROPERTY = "jvfio.seed";

    private Seeds() {}

    /** The seed to use where the test's own fixed seed is {@code fixed}. */
    public static long of(long fixed) {
        String value = System.getProperty(PROPERTY);
        if (value == null || value.isBlank()) {
            return fixed;
        }
        if (value.equalsIgnoreCase("random")) {
            return ThreadLocalRandom.current().nextLong();
        }
        try {
            return Long.decode(value.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "-D" + PROPERTY + " must be a number or 'random', not '" + value + "'", e);
        }
    }
}
