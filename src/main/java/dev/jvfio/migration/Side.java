package dev.jvfio.migration;

/** Which server of a migration something happened on. */
public enum Side {
    SOURCE("source"),
    DESTINATION("destination");

    private final String label;

    Side(String label) {
        this.label = label;
    }

    @Override
    public String toString() {
        return label;
    }
}
