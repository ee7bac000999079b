package dev.jvfio.os;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class EventFdTest {
    @Test
    void signalsAddUpAndTakeDrainsThem() throws Exception {
        try (EventFd e = EventFd.create()) {
            assertThat(FdFlags.isCloseOnExec(e.fd())).isTrue();
            e.signal();
            e.signal();
            EventFd.signal(e.fd());
            assertThat(e.take()).isEqualTo(3);
            assertThat(e.await(Duration.ZERO)).isFalse();
        }
    }

    @Test
    void awaitSeesASignalThroughADuplicateFd() throws Exception {
        try (EventFd e = EventFd.create(); Fd copy = e.fd().duplicate()) {
            assertThat(e.await(Duration.ZERO)).isFalse();
            EventFd.signal(copy);
            assertThat(e.await(Duration.ofSeconds(30))).isTrue();
            assertThat(e.await(Duration.ZERO)).as("await drained the counter").isFalse();
        }
    }

    @Test
    void awaitWakesForASignalFromAnotherThread() throws Exception {
        try (EventFd e = EventFd.create()) {
            Thread t = Thread.ofPlatform().start(() -> {
                try {
                    e.signal();
                } catch (NativeException ex) {
                    throw new RuntimeException(ex);
                }
            });
            assertThat(e.await(Duration.ofSeconds(30))).isTrue();
            t.join();
        }
    }
}
