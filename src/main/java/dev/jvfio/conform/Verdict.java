package dev.jvfio.conform;

/**
 * How a check body ends other than with PASS: {@link Failed} with the reason the server does not
 * conform, {@link Skipped} with the reason the check does not apply to this server.
 */
final class Verdict {
    private Verdict() {}

    static final class Failed extends RuntimeException {
        Failed(String reason) {
            super(reason, null, false, false);
        }
    }

    static final class Skipped extends RuntimeException {
        Skipped(String reason) {
            super(reason, null, false, false);
        }
    }

    static Failed fail(String reason) {
        return new Failed(reason);
    }

    static Skipped skip(String reason) {
        return new Skipped(reason);
    }

    /** FAIL with {@code reason} unless {@code ok}. */
    static void require(boolean ok, String reason) {
        if (!ok) {
            throw new Failed(reason);
        }
    }
}
