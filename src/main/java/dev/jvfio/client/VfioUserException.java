package dev.jvfio.client;

import dev.jvfio.device.VfioException;
import dev.jvfio.protocol.Command;

/** The server answered a request with an error reply; {@link #errno()} is its Linux errno. */
public final class VfioUserException extends VfioException {
    private final int command;

    public VfioUserException(int command, int errno) {
        super(errno, Command.name(command) + " failed");
        this.command = command;
    }

    public int command() {
        return command;
    }
}
