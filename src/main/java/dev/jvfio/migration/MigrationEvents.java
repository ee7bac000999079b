package dev.jvfio.migration;

/** What a {@link Migrator} tells while it works; called on the migrating thread. */
public interface MigrationEvents {
    /** Something worth a line: what the devices offer, a choice made. */
    default void note(String message) {}

    /** {@code bytes} of a long phase have moved in {@code nanos} so far (about once a second). */
    default void progress(Phase phase, long bytes, long nanos) {}

    /** A phase (or one precopy round) ended having moved {@code bytes} in {@code nanos}. */
    default void done(Phase phase, String what, long bytes, long nanos) {}

    MigrationEvents NONE = new MigrationEvents() {};
}
