package dev.jvfio.trace;

/** Which way a message travels through the proxy; the labels are those of the recorded traces. */
public enum Direction {
    CLIENT_TO_SERVER("C->S", "client", "server"),
    SERVER_TO_CLIENT("S->C", "server", "client");

    private final String label;
    private final String sender;
    private final String receiver;

    Direction(String label, String sender, String receiver) {
        this.label = label;
        this.sender = sender;
        this.receiver = receiver;
    }

    /** "C->S" or "S->C". */
    public String label() {
        return label;
    }

    /** "client" or "server": who sends in this direction. */
    public String sender() {
        return sender;
    }

    /** Who receives in this direction. */
    public String receiver() {
        return receiver;
    }

    public Direction opposite() {
        return this == CLIENT_TO_SERVER ? SERVER_TO_CLIENT : CLIENT_TO_SERVER;
    }
}
