package dev.jvfio.control;

/** A control request that cannot be carried out; the message goes back to the client as is. */
public final class ControlException extends Exception {
    public ControlException(String message) {
        super(message, null, false, false);
    }
}
