package dev.jvfio.pci;

import dev.jvfio.device.DeviceMigration;
import dev.jvfio.devicestate.DeviceStateMigration;
import dev.jvfio.devicestate.MemoryImage;
import dev.jvfio.devicestate.StateSection;
import dev.jvfio.devicestate.StreamIdentity;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The state sections of one function, the core's first and then those its device models add
 * ({@link VfioPciDevice#addStateSection}), and the function's migration when its builder declared
 * it migratable. A function is not migratable by default: a device model whose backings keep
 * state in no section would silently lose it.
 */
final class PciStates {
    /** What {@link PciDeviceBuilder#migratable} declared: the profile and the memory (or null). */
    record Migratable(String profile, MemoryImage memory) {}

    private final List<StateSection> sections = new ArrayList<>();
    /** Null when the function is not migratable. */
    private final Migratable migratable;

    private DeviceStateMigration migration;

    PciStates(StateSection core, Migratable migratable) {
        sections.add(core);
        this.migratable = migratable;
    }

    synchronized void add(StateSection s) {
        Objects.requireNonNull(s, "section");
        if (migration != null) {
            throw new IllegalStateException("state section '" + s.name() + "' added after the migration was made");
        }
        for (StateSection have : sections) {
            if (have.name().equals(s.name())) {
                throw new IllegalArgumentException("a state section named '" + s.name() + "' exists already");
            }
        }
        sections.add(s);
    }

    synchronized List<StateSection> all() {
        return List.copyOf(sections);
    }

    /** The function's migration (made on first use), or null when it was not declared migratable. */
    synchronized DeviceMigration migration() {
        if (migratable == null) {
            return null;
        }
        if (migration == null) {
            MemoryImage memory = migratable.memory();
            migration = new DeviceStateMigration(
                    new StreamIdentity("pci", migratable.profile(), memory == null ? 0 : memory.size()),
                    sections,
                    memory);
        }
        return migration;
    }
}
