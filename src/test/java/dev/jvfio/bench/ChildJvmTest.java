package dev.jvfio.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ChildJvmTest {
    @Test
    void childrenGetTheLaunchersAotCacheOptionsAndNothingElseOfThisJvm() {
        List<String> mine = List.of(
                "--enable-native-access=ALL-UNNAMED",
                "-XX:AOTCache=/x/target/jvfio.aot",
                "-Xlog:aot=off",
                "-Xlog:cds=off",
                "-Xmx1g",
                "-javaagent:/tmp/agent.jar",
                "-XX:AOTCacheOutput=/y");

        assertThat(ChildJvm.launcherOptions(mine))
                .containsExactly("-XX:AOTCache=/x/target/jvfio.aot", "-Xlog:aot=off", "-Xlog:cds=off");
        assertThat(ChildJvm.launcherOptions(List.of("-Xmx1g"))).isEmpty();
    }
}
