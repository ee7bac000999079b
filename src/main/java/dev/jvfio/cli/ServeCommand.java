package dev.jvfio.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "serve", mixinStandardHelpOptions = true, description = "Serves devices on vfio-user sockets.")
final class ServeCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        throw new CommandFailure("serve: not wired yet");
    }
}
