package dev.jvfio.hw;

import dev.jvfio.os.BackingFile;
import dev.jvfio.os.Fd;
import dev.jvfio.os.MappedMemory;
import dev.jvfio.os.Memfd;
import dev.jvfio.os.NativeException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * The GPU's coherent memory simulated by one file mapped shared: an anonymous sparse memfd (nothing
 * is committed until a page is touched, so 96 GiB costs nothing) or a backing file whose content
 * survives restarts. The same file is what a client maps for zero-copy access.
 */
final class SimulatedDeviceMemory implements DeviceMemory, AutoCloseable {
    private final Fd fd;
    private final MappedMemory mapping;

    private SimulatedDeviceMemory(Fd fd, MappedMemory mapping) {
        this.fd = fd;
        this.mapping = mapping;
    }

    /** A sparse memfd of {@code size} bytes. */
    public static SimulatedDeviceMemory anonymous(String name, long size) throws NativeException {
        return over(Memfd.createFixedSize(name, size), size); // clients get its fd: no ftruncate
    }

    /**
     * The file at {@code path}, locked for this GPU while it lives; created with {@code size} bytes,
     * or used as it is when it has exactly that many (see {@link BackingFile#open}).
     */
    public static SimulatedDeviceMemory backedBy(Path path, long size) throws NativeException {
        return over(BackingFile.open(path, size), size);
    }

    private static SimulatedDeviceMemory over(Fd fd, long size) throws NativeException {
        try {
            return new SimulatedDeviceMemory(fd, MappedMemory.map(fd, 0, size, true));
        } catch (NativeException | RuntimeException e) {
            fd.close();
            throw e;
        }
    }

    @Override
    public Fd fd() {
        return fd;
    }

    @Override
    public long fileOffset() {
        return 0;
    }

    @Override
    public long size() {
        return mapping.size();
    }

    @Override
    public MemorySegment segment() {
        return mapping.segment();
    }

    @Override
    public void close() {
        mapping.close();
        fd.close();
    }
}
