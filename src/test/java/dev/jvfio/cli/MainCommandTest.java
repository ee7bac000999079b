package dev.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The top-level command and the reserved bench command, run as a user would. */
class MainCommandTest {
    @Test
    @DisplayName("jvfio with no command: usage message, exit 2")
    void noCommand() {
        CliProcess.Result r = CliProcess.run();
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("a command is needed: serve, lspci, qemu-args or bench");
    }

    @Test
    @DisplayName("jvfio --help lists every subcommand, exit 0")
    void help() {
        CliProcess.Result r = CliProcess.run("--help");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).contains("serve").contains("lspci").contains("qemu-args").contains("bench");
    }

    @Test
    @DisplayName("jvfio with an unknown command: suggestion, exit 2")
    void unknownCommand() {
        CliProcess.Result r = CliProcess.run("serv");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("Unmatched argument").contains("serve");
    }

    @Test
    @DisplayName("jvfio bench --help describes the floors, exit 0; a bad option is a usage error, exit 2")
    void benchHelpAndBadOption() {
        CliProcess.Result help = CliProcess.run("bench", "--help");
        assertThat(help.exitCode()).as(help.toString()).isZero();
        assertThat(help.out()).contains("floor");
        CliProcess.Result bad = CliProcess.run("bench", "--rounds", "many");
        assertThat(bad.exitCode()).as(bad.toString()).isEqualTo(2);
        assertThat(bad.out()).isEmpty();
    }
}
