package dev.jvfio.nvgrace;

import dev.jvfio.devicestate.DeviceStateMigration;
import dev.jvfio.devicestate.MemoryImage;
import dev.jvfio.devicestate.StateSection;
import dev.jvfio.devicestate.StreamIdentity;
import dev.jvfio.hw.DeviceMemory;
import dev.jvfio.hw.GpuHardware;
import dev.jvfio.pci.PciHeader;
import dev.jvfio.pci.VfioPciDevice;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Puts together the migration of an {@link NvGraceGpuDevice} (docs/migration-state.md): the PCI
 * core's sections (the core, the copy engine), the variant's ("nvgrace") and the hardware's ("hw"),
 * and the device memory the variant presents (usemem and resmem, one file), streamed by its
 * populated extents. The stream's kind is "nvgrace-gpu"; its profile names the chip and every
 * option that shapes the state (layout, carve rule, memory-enable policy, kernel-exact quirks).
 */
final class VariantMigration {
    private VariantMigration() {}

    /** The device's migration, or null when its hardware cannot say what its own state is. */
    static DeviceStateMigration of(
            VfioPciDevice core,
            GpuHardware hw,
            NvGraceOptions options,
            MemoryPresentation presentation,
            Readiness readiness) {
        StateSection hardware = hw.stateSection();
        if (hardware == null) {
            return null;
        }
        List<StateSection> sections = new ArrayList<>(core.stateSections());
        sections.add(new VariantState(presentation, readiness));
        sections.add(hardware);
        MemoryImage image = null;
        Optional<MemoryLayout> layout = presentation.layout();
        Optional<DeviceMemory> memory = hw.deviceMemory();
        if (layout.isPresent() && memory.isPresent()) {
            MemoryLayout l = layout.get();
            long size = l.resmem()
                    .map(r -> r.fileOffset() + r.length())
                    .orElse(l.usemem().fileOffset() + l.usemem().length());
            image = MemoryImage.of(memory.get().fd(), memory.get().fileOffset(), size);
        }
        String profile = String.format(
                "10de:%04x %s %s %s%s",
                core.config().read16(PciHeader.DEVICE_ID),
                layout.isPresent() ? options.layout() : "PASS_THROUGH",
                options.carveRule(),
                options.policy(),
                options.kernelExactQuirks() ? " KERNEL_EXACT" : "");
        StreamIdentity identity = new StreamIdentity("nvgrace-gpu", profile, image == null ? 0 : image.size());
        return new DeviceStateMigration(identity, sections, image);
    }
}
