package dev.jvfio.migration;

/** The phases of a migration, in the order they happen. */
public enum Phase {
    /** Both devices' migration support and state checked; the destination enters RESUMING. */
    SETUP("setup"),
    /** The source runs in PRE_COPY while its stream moves (only with precopy). */
    PRE_COPY("precopy"),
    /** The source is stopped (STOP_COPY) and the rest of its stream moves: the downtime starts. */
    STOP_COPY("stop-copy"),
    /** The destination leaves RESUMING (it checks and applies the stream) and runs. */
    RESUME("resume");

    private final String label;

    Phase(String label) {
        this.label = label;
    }

    @Override
    public String toString() {
        return label;
    }
}
