package dev.jvfio.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** DMA-2.4: the engine's worker thread runs copies one at a time and leaves no thread behind when idle. */
class CopyWorkerTest {
    @Test
    @DisplayName("DMA-2.4 copies run in order on one named platform thread, never on the submitter's")
    void runsOnItsThread() throws Exception {
        CopyWorker w = new CopyWorker("copy-engine-test");
        List<Thread> ranOn = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            CountDownLatch done = new CountDownLatch(1);
            w.submit(() -> {
                ranOn.add(Thread.currentThread());
                done.countDown();
            });
            assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(ranOn).hasSize(3).doesNotContain(Thread.currentThread());
        assertThat(ranOn).allSatisfy(t -> {
            assertThat(t.getName()).isEqualTo("copy-engine-test");
            assertThat(t.isVirtual()).isFalse();
            assertThat(t.isDaemon()).isTrue();
        });
        assertThat(ranOn.get(1)).as("the thread waits for the next copy").isSameAs(ranOn.get(0));
    }

    @Test
    @DisplayName(
            "DMA-2.4 copies handed over back to back, from the copy before or from another thread, each run once, in order")
    void backToBack() throws Exception {
        CopyWorker w = new CopyWorker("copy-engine-test");
        int copies = 500;
        List<Integer> ran = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < copies; i++) {
            int n = i;
            CountDownLatch done = new CountDownLatch(1);
            w.submit(() -> {
                synchronized (ran) {
                    ran.add(n);
                    threads.add(Thread.currentThread());
                }
                done.countDown();
            });
            assertThat(done.await(30, TimeUnit.SECONDS)).isTrue(); // the next one comes right after: an awake worker
        }
        CountDownLatch chained = new CountDownLatch(1);
        w.submit(() -> w.submit(chained::countDown)); // submitted while the worker still runs the copy before
        assertThat(chained.await(30, TimeUnit.SECONDS)).isTrue();
        synchronized (ran) {
            assertThat(ran).hasSize(copies).isSorted().doesNotHaveDuplicates();
            assertThat(threads)
                    .allSatisfy(t -> assertThat(t.getName()).isEqualTo("copy-engine-test"))
                    .doesNotContain(Thread.currentThread());
        }
    }

    @Test
    @DisplayName(
            "DMA-2.4 the worker stays awake only for a copy that followed the one before within AWAKE_NANOS, not before it returned")
    void staysAwakeOnlyForAStream() {
        assertThat(CopyWorker.staysAwake(-1))
                .as("submitted before the previous run returned: CPU wanted")
                .isFalse();
        assertThat(CopyWorker.staysAwake(0)).isTrue();
        assertThat(CopyWorker.staysAwake(20_000)).isTrue();
        assertThat(CopyWorker.staysAwake(CopyWorker.AWAKE_NANOS)).isTrue();
        assertThat(CopyWorker.staysAwake(CopyWorker.AWAKE_NANOS + 1)).isFalse();
        assertThat(CopyWorker.staysAwake(1_000_000_000L))
                .as("a sporadic copy: sleep at once")
                .isFalse();
    }

    @Test
    @DisplayName("DMA-1.2 a second copy submitted before the first was taken is refused (the engine is BUSY)")
    void oneAtATime() throws Exception {
        CopyWorker w = new CopyWorker("copy-engine-test");
        CountDownLatch hold = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(1);
        w.submit(() -> {
            started.countDown();
            try {
                hold.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
        CountDownLatch second = new CountDownLatch(1);
        w.submit(second::countDown); // taken once the first ends
        assertThatThrownBy(() -> w.submit(() -> {})).isInstanceOf(IllegalStateException.class);
        hold.countDown();
        assertThat(second.await(30, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    @DisplayName("DMA-2.4 an idle worker's thread ends, and the next copy starts a new one")
    void idleThreadEnds() throws Exception {
        CopyWorker w = new CopyWorker("copy-engine-test", 20);
        Thread[] first = new Thread[1];
        CountDownLatch done = new CountDownLatch(1);
        w.submit(() -> {
            first[0] = Thread.currentThread();
            done.countDown();
        });
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        first[0].join(30_000);
        assertThat(first[0].isAlive()).isFalse();
        assertThat(w.running()).isFalse();
        CountDownLatch again = new CountDownLatch(1);
        w.submit(again::countDown);
        assertThat(again.await(30, TimeUnit.SECONDS)).isTrue();
    }
}
