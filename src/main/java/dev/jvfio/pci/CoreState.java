package dev.jvfio.pci;

import dev.jvfio.device.Vfio;
import dev.jvfio.device.VfioException;
import dev.jvfio.devicestate.StateReader;
import dev.jvfio.devicestate.StateSection;
import dev.jvfio.devicestate.StateWriter;

/**
 * The PCI core's state section ("pci"): everything of the function a guest can observe that the
 * core keeps. Config space as stored, so BAR addresses, the command register (the memory-enable
 * gate), status and its write-1-to-clear bits, sticky bits, power state, MSI and MSI-X control,
 * MSI mask and pending bits; the INTx line; the pending flag of every vector; the MSI-X table and
 * PBA. Not the interrupt eventfds or the client's SET_IRQS masks: the destination's VMM arms its
 * own. Checked against the destination: the same config-space shape (size, masks, power-on values)
 * and the same vector counts.
 *
 * <p>{@link #stop} holds every interrupt pending, {@link #run} delivers what is pending.
 */
final class CoreState implements StateSection {
    static final String NAME = "pci";

    private final ConfigSpace config;
    private final PciInterrupts interrupts;
    private final Object lock;

    CoreState(ConfigSpace config, PciInterrupts interrupts, Object lock) {
        this.config = config;
        this.interrupts = interrupts;
        this.lock = lock;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void stop() {
        synchronized (lock) {
            interrupts.stop();
        }
    }

    @Override
    public void run() {
        synchronized (lock) {
            interrupts.run();
        }
    }

    @Override
    public void save(StateWriter out) {
        synchronized (lock) {
            out.putInt(config.shapeDigest()).putBlob(config.shadowBytes());
            out.putBoolean(interrupts.intxAsserted());
            out.putByte(Vfio.PCI_NUM_IRQS);
            for (int i = 0; i < Vfio.PCI_NUM_IRQS; i++) {
                boolean[] pending = interrupts.vectors(i).pendingCopy();
                out.putInt(pending.length);
                for (boolean p : pending) {
                    out.putBoolean(p);
                }
            }
            MsixTable t = interrupts.msixTable();
            out.putInt(t == null ? 0 : t.vectors());
            if (t != null) {
                out.putBytes(t.tableCopy());
                for (long w : t.pbaCopy()) {
                    out.putLong(w);
                }
            }
        }
    }

    @Override
    public Staged load(StateReader in) throws VfioException {
        int shape = in.getInt();
        byte[] bytes = in.getBlob(config.size());
        in.require(
                shape == config.shapeDigest(),
                "is from a function of another shape (config space masks or power-on values differ)");
        boolean intx = in.getBoolean();
        in.require(in.getByte() == Vfio.PCI_NUM_IRQS, "has another number of IRQ indexes");
        boolean[][] pending = new boolean[Vfio.PCI_NUM_IRQS][];
        for (int i = 0; i < Vfio.PCI_NUM_IRQS; i++) {
            int count = in.getInt();
            in.require(count == interrupts.vectors(i).count(), "has " + count + " vectors at IRQ index " + i);
            pending[i] = new boolean[count];
            for (int v = 0; v < count; v++) {
                pending[i][v] = in.getBoolean();
            }
        }
        MsixTable t = interrupts.msixTable();
        int vectors = in.getInt();
        in.require(vectors == (t == null ? 0 : t.vectors()), "has " + vectors + " MSI-X vectors");
        byte[] table = t == null ? null : in.getBytes(t.tableBytes());
        long[] pba = t == null ? null : new long[t.pbaBytes() / 8];
        for (int w = 0; pba != null && w < pba.length; w++) {
            pba[w] = in.getLong();
        }
        in.end();
        return () -> {
            synchronized (lock) {
                config.restoreShadow(bytes);
                interrupts.restoreIntx(intx);
                for (int i = 0; i < Vfio.PCI_NUM_IRQS; i++) {
                    interrupts.vectors(i).restorePending(pending[i]);
                }
                if (t != null) {
                    t.restore(table, pba);
                }
            }
        };
    }
}
