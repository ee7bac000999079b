package dev.jvfio.server;

import dev.jvfio.device.DeviceMigration;
import dev.jvfio.device.DmaSpace;
import dev.jvfio.os.NativeException;

/**
 * A {@link RamDevice} with a {@link RecordingMigration} (or none, when built with null), and the
 * {@link DmaSpace} it was attached to within reach of the test, which can so make the device write
 * to client memory exactly where it wants (dirty logging).
 */
public final class MigratingDevice extends ForwardingDevice {
    private final RecordingMigration migration;
    private volatile DmaSpace dma = DmaSpace.NONE;

    public MigratingDevice(RecordingMigration migration) throws NativeException {
        super(new RamDevice());
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
    public void attach(DmaSpace dma) {
        ram.attach(dma);
        this.dma = dma;
    }

    @Override
    public void detach() {
        this.dma = DmaSpace.NONE;
        ram.detach();
    }
}
