package dev.jvfio.server;

import dev.jvfio.device.DeviceInfo;
import dev.jvfio.device.DeviceMigration;
import dev.jvfio.device.DmaSpace;
import dev.jvfio.device.IrqInfo;
import dev.jvfio.device.IrqSet;
import dev.jvfio.device.RegionInfo;
import dev.jvfio.device.VfioDevice;
import dev.jvfio.device.VfioException;
import dev.jvfio.os.NativeException;
import java.lang.foreign.MemorySegment;

/**
 * A {@link RamDevice} with a {@link RecordingMigration} (or none, when built with null), and the
 * {@link DmaSpace} it was attached to within reach of the test, which can so make the device write
 * to client memory exactly where it wants (dirty logging).
 */
public final class MigratingDevice implements VfioDevice {
    private final RamDevice ram;
    private final RecordingMigration migration;
    private volatile DmaSpace dma = DmaSpace.NONE;

    public MigratingDevice(RecordingMigration migration) throws NativeException {
        this.ram = new RamDevice();
        this.migration = migration;
    }

    public RecordingMigration recording() {
        return migration;
    }

    public RamDevice ram() {
        return ram;
    }

    /** The client memory the device reaches now (DmaSpace.NONE when no client is attached). */
    public DmaSpace dma() {
        return dma;
    }

    @Override
    public DeviceMigration migration() {
        return migration;
    }

    @Override
    public String name() {
        return "migrating";
    }

    @Override
    public DeviceInfo info() {
        return ram.info();
    }

    @Override
    public RegionInfo regionInfo(int index) throws VfioException {
        return ram.regionInfo(index);
    }

    @Override
    public int read(int region, long offset, MemorySegment dst) throws VfioException {
        return ram.read(region, offset, dst);
    }

    @Override
    public int write(int region, long offset, MemorySegment src) throws VfioException {
        return ram.write(region, offset, src);
    }

    @Override
    public IrqInfo irqInfo(int index) throws VfioException {
        return ram.irqInfo(index);
    }

    @Override
    public void setIrqs(IrqSet request) throws VfioException {
        ram.setIrqs(request);
    }

    @Override
    public void reset() throws VfioException {
        ram.reset();
    }

    @Override
    public void attach(DmaSpace dma) {
        ram.attach(dma);
        this.dma = dma;
    }

    @Override
    public void detach() {
        this.dma = DmaSpace.NONE;
        ram.detach();
    }

    @Override
    public void close() {
        ram.close();
    }
}
