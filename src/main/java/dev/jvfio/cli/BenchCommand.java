package dev.jvfio.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Reserved for the benchmark command; it measures nothing yet and says so. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks the server against a floor measured in the same run (not built yet).")
final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(hidden = true, arity = "0..*")
    List<String> ignored;

    @Override
    public Integer call() {
        spec.commandLine().getErr().println("jvfio bench: not built yet; no results are produced.");
        spec.commandLine().getErr().flush();
        return 1;
    }
}
