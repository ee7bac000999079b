package dev.jvfio.procfs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.os.Fd;
import dev.jvfio.os.Memfd;
import org.junit.jupiter.api.Test;

class OpenFilesTest {
    @Test
    void countFollowsOpenAndClose() throws Exception {
        OpenFiles.count();
        int before = OpenFiles.count();
        Fd a = Memfd.create("a", 0);
        Fd b = Memfd.create("b", 0);
        assertThat(OpenFiles.count()).isEqualTo(before + 2);
        a.close();
        b.close();
        assertThat(OpenFiles.count()).isEqualTo(before);
    }

    @Test
    void residentMemoryOfSelfMatchesItsPid() {
        long self = ResidentMemory.selfBytes();
        long byPid = ResidentMemory.bytes(ProcessHandle.current().pid());
        assertThat(self).isPositive();
        assertThat(byPid).isPositive();
        // the same process read twice: within a generous band of each other
        assertThat(Math.abs(self - byPid)).isLessThan(256L << 20);
    }
}
