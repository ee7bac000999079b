package dev.jvfio.devicestate;

import dev.jvfio.device.VfioException;

/**
 * One part of a device's migratable state (the PCI core, a copy engine, a variant's registers,
 * the hardware under it), saved into and restored from its own named section of the stream.
 *
 * <p>Restoring is two-phase so that a bad stream changes nothing: {@link #load} parses and checks
 * the whole section and returns what applying it would do; {@link Staged#apply} runs only once
 * every section of the stream has loaded.
 *
 * <p>{@link #stop} and {@link #run} quiesce and resume the part: after {@code stop} returns it
 * starts no DMA and raises no interrupt (an interrupt it must raise stays pending, and is saved
 * as such); {@code run} resumes what stop held back. A device calls them in the order of its
 * sections, the PCI core first.
 */
public interface StateSection {
    /** The section's name in the stream, unique within a device. */
    String name();

    /** Writes the part's state (the device is stopped). */
    void save(StateWriter out);

    /**
     * Parses and checks a section saved by {@link #save} on the source device; changes nothing.
     *
     * @throws VfioException EINVAL when the section is malformed or belongs to another shape of device
     */
    Staged load(StateReader in) throws VfioException;

    /**
     * Quiesce: no DMA, no interrupt after this returns.
     *
     * @throws VfioException when the part cannot stop (the arc fails; the device is in ERROR until reset)
     */
    default void stop() throws VfioException {}

    /** Resume after {@link #stop}. */
    default void run() {}

    /** What applying a loaded section does; cannot fail. */
    @FunctionalInterface
    interface Staged {
        void apply();
    }
}
