package dev.jvfio.qmp;

import java.io.IOException;

/** QEMU answered a QMP command with an error, or the QMP conversation failed. */
public final class QmpException extends IOException {
    private final String errorClass;

    public QmpException(String message) {
        this(null, message);
    }

    /** An error reply: its {@code class} ("GenericError", "DeviceNotFound", ...) and {@code desc}. */
    public QmpException(String errorClass, String desc) {
        super(desc);
        this.errorClass = errorClass;
    }

    /** The error reply's class, or null when the conversation itself failed. */
    public String errorClass() {
        return errorClass;
    }
}
