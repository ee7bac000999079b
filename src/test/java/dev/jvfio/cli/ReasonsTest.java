package dev.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The reason of an I/O failure, not its path again ("cannot listen on P: P"). */
class ReasonsTest {
    @Test
    @DisplayName("the JDK's file exceptions, whose message is only the path, give their reason")
    void reasonsNotPaths() {
        assertThat(Reasons.of(new AccessDeniedException("/run/x.sock"))).isEqualTo("permission denied");
        assertThat(Reasons.of(new NoSuchFileException("/run/x.sock"))).isEqualTo("no such file or directory");
        assertThat(Reasons.of(new FileSystemException("/sys/x", null, "Read-only file system")))
                .isEqualTo("read-only file system");
        assertThat(Reasons.of(new MalformedInputException(1))).isEqualTo("it is not UTF-8 text");
        assertThat(Reasons.of(new IOException("another server is listening on /run/x.sock")))
                .isEqualTo("another server is listening on /run/x.sock");
    }
}
