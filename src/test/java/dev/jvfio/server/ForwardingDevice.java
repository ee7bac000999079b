package dev.jvfio.server;

import dev.jvfio.device.DeviceInfo;
import dev.jvfio.device.DmaSpace;
import dev.jvfio.device.IrqInfo;
import dev.jvfio.device.IrqSet;
import dev.jvfio.device.RegionInfo;
import dev.jvfio.device.VfioDevice;
import dev.jvfio.device.VfioException;
import java.lang.foreign.MemorySegment;

/**
 * A test device that hands every {@link VfioDevice} call to a {@link RamDevice}: tests extend it and
 * override only the calls they observe.
 */
public abstract class ForwardingDevice implements VfioDevice {
    protected final RamDevice ram;

    protected ForwardingDevice(RamDevice ram) {
        this.ram = ram;
    }

    @Override
    public String name() {
        return ram.name();
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
    }

    @Override
    public void detach() {
        ram.detach();
    }

    @Override
    public void close() {
        ram.close();
    }
}
