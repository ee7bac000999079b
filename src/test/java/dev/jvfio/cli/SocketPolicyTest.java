package dev.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SocketPolicyTest {
    @Test
    void groupByNameOrNumber(@TempDir Path dir) throws Exception {
        Path groups = Files.writeString(dir.resolve("group"), "root:x:0:\nkvm:x:994:qemu\nqemu:x:107:\n");
        assertThat(SocketPolicy.groupId("kvm", groups)).isEqualTo(994);
        assertThat(SocketPolicy.groupId("qemu", groups)).isEqualTo(107);
        assertThat(SocketPolicy.groupId("4321", groups)).isEqualTo(4321);
        assertThatThrownBy(() -> SocketPolicy.groupId("kv", groups))
                .isInstanceOf(UsageError.class)
                .hasMessageContaining("no group named 'kv'");
    }
}
