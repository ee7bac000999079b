package dev.jvfio.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class PlacementTest {
    @Test
    void highestCpuReadsTasksetMasks() {
        assertThat(Placement.highestCpu("1")).isZero();
        assertThat(Placement.highestCpu("3")).isEqualTo(1);
        assertThat(Placement.highestCpu("f0")).isEqualTo(7);
        assertThat(Placement.highestCpu("0000000c")).isEqualTo(3);
        assertThat(Placement.highestCpu("1,00000000")).isEqualTo(32); // taskset groups 32-bit words with commas
        assertThatThrownBy(() -> Placement.highestCpu("0")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Placement.highestCpu("zz")).isInstanceOf(IllegalArgumentException.class);
        assertThat(Placement.lowestCpu("3")).isZero();
        assertThat(Placement.lowestCpu("c")).isEqualTo(2);
        assertThat(Placement.lowestCpu("1,00000000")).isEqualTo(32);
        assertThat(Placement.lowestCpu("f0,00000000")).isEqualTo(36);
        assertThatThrownBy(() -> Placement.lowestCpu("0,00000000")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void findsAThreadOfAProcessByItsName() throws Exception {
        CountDownLatch hold = new CountDownLatch(1);
        CompletableFuture<Long> tid = new CompletableFuture<>();
        Thread t = Thread.ofPlatform().name("cpu-place-test").start(() -> {
            try {
                tid.complete(Placement.currentThreadId());
                hold.await();
            } catch (Exception e) {
                tid.completeExceptionally(e);
            }
        });
        try {
            long id = tid.get(); // the thread runs (and has its native name) before we look
            List<Long> found = Placement.threadsNamed(ProcessHandle.current().pid(), "cpu-place-test");
            assertThat(found).containsExactly(id);
            assertThat(tid.get()).isNotEqualTo(ProcessHandle.current().pid()); // a thread, not the process
            assertThat(Placement.threadsNamed(ProcessHandle.current().pid(), "no-such-thread"))
                    .isEmpty();
            assertThat(Placement.threadsNamed(ProcessHandle.current().pid(), "cpu-place"))
                    .contains(id); // a prefix
            assertThat(Placement.threadsNamed(ProcessHandle.current().pid(), "cpu-place-test and more"))
                    .isEmpty();
        } finally {
            hold.countDown();
            t.join();
        }
    }

    @Test
    void placingAThreadMovesOnlyThatThread() throws Exception {
        Assumptions.assumeTrue(Pinning.available(), "taskset not installed");
        long self = Placement.currentThreadId();
        String before = Taskset.mask(self);
        String processBefore = Taskset.mask(ProcessHandle.current().pid());
        int cpu = Placement.highestCpu(before);
        try {
            Taskset.cpu(self, cpu);
            assertThat(Placement.highestCpu(Taskset.mask(self))).isEqualTo(cpu);
            assertThat(Long.parseLong(Taskset.mask(self), 16)).isEqualTo(1L << cpu);
            if (self != ProcessHandle.current().pid()) {
                assertThat(Taskset.mask(ProcessHandle.current().pid())).isEqualTo(processBefore);
            }
        } finally {
            Taskset.mask(self, before);
        }
        assertThat(Taskset.mask(self)).isEqualTo(before);
    }
}
