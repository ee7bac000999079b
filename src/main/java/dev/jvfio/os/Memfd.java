package dev.jvfio.os;

/** Anonymous shared memory files (memfd_create): sparse until touched, gone when the last fd closes. */
public final class Memfd {
    private Memfd() {}

    /**
     * A new memfd of {@code size} bytes (close-on-exec). No memory is committed: pages are
     * allocated when first touched, so a 96 GiB file costs nothing until used.
     *
     * @param name shows up in /proc/PID/fd as "memfd:NAME" (debugging only)
     */
    public static Fd create(String name, long size) throws NativeException {
        if (size < 0) {
            throw new IllegalArgumentException("negative size " + size);
        }
        Fd fd = Fd.adopt(MemoryCalls.memfdCreate(name, MemoryCalls.MFD_CLOEXEC));
        try {
            Libc.ftruncate(fd.value(), size, "memfd " + name);
            return fd;
        } catch (NativeException | RuntimeException e) {
            fd.close();
            throw e;
        }
    }

    /**
     * Like {@link #create}, but sealed against shrinking and growing (and against removing the
     * seals): for memory whose fd is handed to other processes, which could otherwise ftruncate it
     * under our mapping (every later access would fault, SIGBUS) or grow it without bound.
     */
    public static Fd createFixedSize(String name, long size) throws NativeException {
        if (size < 0) {
            throw new IllegalArgumentException("negative size " + size);
        }
        Fd fd = Fd.adopt(MemoryCalls.memfdCreate(name, MemoryCalls.MFD_CLOEXEC | MemoryCalls.MFD_ALLOW_SEALING));
        try {
            Libc.ftruncate(fd.value(), size, "memfd " + name);
            MemoryCalls.addSeals(
                    fd.value(),
                    MemoryCalls.F_SEAL_SHRINK | MemoryCalls.F_SEAL_GROW | MemoryCalls.F_SEAL_SEAL,
                    "memfd " + name);
            return fd;
        } catch (NativeException | RuntimeException e) {
            fd.close();
            throw e;
        }
    }
}
