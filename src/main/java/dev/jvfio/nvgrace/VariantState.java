package dev.jvfio.nvgrace;

import dev.jvfio.device.VfioException;
import dev.jvfio.devicestate.StateReader;
import dev.jvfio.devicestate.StateSection;
import dev.jvfio.devicestate.StateWriter;
import java.util.Optional;

/**
 * The variant's state section ("nvgrace"): the emulated BAR registers as the guest wrote them
 * (NV-3), and whether a reset is still waiting for its readiness check (NV-4.5). The presentation
 * and the carve-out are carried to be checked: a stream from another layout or another carve-out
 * is refused. The memory-enable gate needs nothing of its own: it reads the command register (in
 * the PCI core's section) under the policy the profile names.
 */
final class VariantState implements StateSection {
    private final MemoryPresentation presentation;
    private final Readiness readiness;

    VariantState(MemoryPresentation presentation, Readiness readiness) {
        this.presentation = presentation;
        this.readiness = readiness;
    }

    @Override
    public String name() {
        return "nvgrace";
    }

    private int kind() {
        return switch (presentation) {
            case PassThroughPresentation p -> 0;
            case BarPresentation b -> 1;
            case RegionPresentation r -> 2;
        };
    }

    @Override
    public void save(StateWriter out) {
        out.putByte(kind());
        Optional<MemoryLayout> layout = presentation.layout();
        out.putBoolean(layout.isPresent());
        layout.ifPresent(l -> {
            put(out, l.usemem());
            out.putBoolean(l.resmem().isPresent());
            l.resmem().ifPresent(r -> put(out, r));
        });
        out.putBoolean(readiness.resetPending());
        EmulatedBars bars = presentation.emulatedBars();
        out.putBoolean(bars != null);
        if (bars != null) {
            out.putBytes(bars.shadows());
        }
    }

    private static void put(StateWriter out, MemRegion r) {
        out.putLong(r.physBase()).putLong(r.fileOffset()).putLong(r.length()).putLong(r.barSize());
    }

    private static MemRegion get(StateReader in) throws VfioException {
        long base = in.getLong();
        long offset = in.getLong();
        long length = in.getLong();
        long barSize = in.getLong();
        try {
            return new MemRegion(base, offset, length, barSize);
        } catch (IllegalArgumentException e) {
            throw in.fail("has an impossible memory region: " + e.getMessage());
        }
    }

    @Override
    public Staged load(StateReader in) throws VfioException {
        int kind = in.getByte();
        in.require(kind == kind(), "is from presentation " + kind + ", this device has " + kind());
        Optional<MemoryLayout> theirs = Optional.empty();
        if (in.getBoolean()) {
            MemRegion use = get(in);
            Optional<MemRegion> res = in.getBoolean() ? Optional.of(get(in)) : Optional.empty();
            theirs = Optional.of(new MemoryLayout(use, res));
        }
        in.require(
                theirs.equals(presentation.layout()),
                "is from another carve-out " + theirs + ", this device has " + presentation.layout());
        boolean pending = in.getBoolean();
        EmulatedBars bars = presentation.emulatedBars();
        boolean hasBars = in.getBoolean();
        in.require(hasBars == (bars != null), "has" + (hasBars ? "" : " no") + " emulated BAR registers");
        byte[] shadows = hasBars ? in.getBytes(16) : null;
        in.end();
        return () -> {
            readiness.restoreResetPending(pending);
            if (bars != null) {
                bars.restoreShadows(shadows);
            }
        };
    }
}
