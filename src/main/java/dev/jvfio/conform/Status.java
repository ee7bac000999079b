package dev.jvfio.conform;

/** The outcome of one check. */
public enum Status {
    /** The server did what the specification requires. */
    PASS,
    /** It did not; the reason says what it did instead. */
    FAIL,
    /** The check does not apply to this server (e.g. migration it does not advertise). */
    SKIP
}
