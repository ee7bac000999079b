package dev.jvfio.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "lspci", mixinStandardHelpOptions = true, description = "Shows a served device like lspci.")
final class LspciCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        throw new CommandFailure("lspci: not wired yet");
    }
}
