package dev.jvfio.os;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The errno table is the running C library's: real failing calls report the numbers it holds,
 * on whatever architecture the tests run (the arm64 host leg runs this class on aarch64 glibc).
 */
class LinuxErrnoTest {

    private static int errnoOf(ThrowingCall call) {
        try {
            call.run();
        } catch (NativeException e) {
            return e.errno();
        }
        throw new AssertionError("the call did not fail");
    }

    @Test
    @DisplayName("ENOENT, EBADF and EINVAL from open, fcntl and mmap are the table's numbers")
    void failingCallsReportTheTablesNumbers() throws Exception {
        assertThat(errnoOf(() -> Libc.open("/nonexistent/jvfio-errno-check", Libc.O_RDWR, 0)))
                .isEqualTo(LinuxErrno.ENOENT);
        assertThat(errnoOf(() -> Libc.dupCloexec(1_000_000))).isEqualTo(LinuxErrno.EBADF);
        try (Fd memfd = Memfd.create("errno", 4096)) {
            // a zero-length mapping of a real file: EINVAL
            assertThat(errnoOf(
                            () -> MemoryCalls.mmap(0, MemoryCalls.PROT_READ, MemoryCalls.MAP_SHARED, memfd.value(), 0)))
                    .isEqualTo(LinuxErrno.EINVAL);
        }
    }

    @Test
    @DisplayName("EAGAIN from reading an empty non-blocking eventfd is the table's number")
    void emptyEventfdReadIsEagain() throws Exception {
        int fd = Libc.eventfd(0, Libc.EFD_CLOEXEC | EFD_NONBLOCK);
        try (Fd owned = Fd.adopt(fd);
                Arena arena = Arena.ofConfined()) {
            MemorySegment counter = arena.allocate(8);
            assertThat(errnoOf(() -> Libc.read(owned.value(), counter, "eventfd")))
                    .isEqualTo(LinuxErrno.EAGAIN);
        }
    }

    /** linux/eventfd.h: EFD_NONBLOCK is O_NONBLOCK (asm-generic/fcntl.h), the same on x86-64 and aarch64. */
    private static final int EFD_NONBLOCK = 04000;

    @FunctionalInterface
    private interface ThrowingCall {
        void run() throws NativeException;
    }
}
