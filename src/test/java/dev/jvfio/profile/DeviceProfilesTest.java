package dev.jvfio.profile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvfio.device.Vfio;
import dev.jvfio.device.VfioDevice;
import dev.jvfio.nvgrace.CarveRule;
import dev.jvfio.nvgrace.MemoryEnablePolicy;
import dev.jvfio.nvgrace.NvGraceGpuDevice;
import dev.jvfio.nvgrace.RegionLayout;
import dev.jvfio.sample.SampleDevice;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeviceProfilesTest {
    static final long GiB = 1L << 30;

    @Test
    void names_cover_every_gpu_profile_and_the_sample() {
        assertThat(DeviceProfiles.names())
                .containsExactly("gh200", "gh200-480gb", "gh200-sku", "gb200", "gb300", "sample");
        assertThat(GpuProfile.byName("GB200")).contains(GpuProfile.GB200);
        assertThat(GpuProfile.byName("h100")).isEmpty();
    }

    @Test
    void defaults_are_upstream() {
        GpuOptions o = GpuOptions.defaults();
        assertThat(o.profile()).isEqualTo("gh200");
        assertThat(o.memorySize()).isNull();
        assertThat(o.policy()).isEqualTo(MemoryEnablePolicy.IGNORE);
        assertThat(o.layout()).isEqualTo(RegionLayout.BAR);
        assertThat(o.carveRule()).isEqualTo(CarveRule.CURRENT);
        assertThat(o.readinessPoll()).isEqualTo(Duration.ofSeconds(1));
        assertThat(o.readinessTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(o.backingFile()).isNull();
        assertThat(o.kernelExactQuirks()).isFalse();
        assertThat(o.displayName()).isEqualTo("gh200");
        assertThat(o.withName("gpu0").displayName()).isEqualTo("gpu0");
        assertThatThrownBy(() -> o.withMemorySize(-1L)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> o.withReadinessPoll(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @DisplayName("NV-1.1 gh200 is the default profile with 96 GiB; the factory builds it sparse and cheap")
    void gh200_default_96g() throws Exception {
        try (VfioDevice dev = DeviceProfiles.create(GpuOptions.defaults())) {
            NvGraceGpuDevice gpu = (NvGraceGpuDevice) dev;
            assertThat(gpu.memoryLayout().orElseThrow().usemem().length()).isEqualTo(95 * GiB);
            assertThat(dev.regionInfo(4).size()).isEqualTo(128 * GiB);
            assertThat(dev.name()).isEqualTo("gh200");
        }
    }

    @Test
    @DisplayName("NV-2.4 memory too small for the carve-out fails the device")
    void too_small_fails() {
        assertThatThrownBy(() -> DeviceProfiles.create(GpuOptions.defaults().withMemorySize(GiB)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("gh200");
        // GB200 needs no carve-out: 1 GiB is fine
        assertThat(GpuProfile.GB200.needsCarveOut()).isFalse();
    }

    @Test
    void unknown_profile_is_rejected() {
        assertThatThrownBy(() -> DeviceProfiles.create(GpuOptions.defaults().withProfile("h100")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("gh200");
    }

    @Test
    void each_create_is_an_independent_device() throws Exception {
        GpuOptions o = GpuOptions.defaults().withProfile("gb200").withMemorySize(GiB);
        try (VfioDevice a = DeviceProfiles.create(o);
                VfioDevice b = DeviceProfiles.create(o.withName("b"))) {
            a.write(4, 0, MemorySegment.ofArray(new byte[] {9}));
            byte[] out = new byte[1];
            b.read(4, 0, MemorySegment.ofArray(out));
            assertThat(out[0]).isZero();
            assertThat(b.name()).isEqualTo("b");
        }
    }

    @Test
    void the_sample_profile_builds_the_pci_sample_device() throws Exception {
        try (VfioDevice sample = DeviceProfiles.create(
                GpuOptions.defaults().withProfile("sample").withName("s0"))) {
            assertThat(sample).isNotInstanceOf(NvGraceGpuDevice.class);
            assertThat(sample.name()).isEqualTo("s0");
            MemorySegment ids = MemorySegment.ofArray(new byte[4]);
            sample.read(Vfio.PCI_CONFIG_REGION_INDEX, 0, ids);
            assertThat(ids.get(ValueLayout.JAVA_INT_UNALIGNED, 0))
                    .isEqualTo(SampleDevice.DEVICE_ID << 16 | SampleDevice.VENDOR_ID);
        }
    }

    @Test
    @DisplayName("NV-7.3 a backing file keeps device memory across device restarts (GpuOptions.backingFile)")
    void backing_file_survives_restart(@TempDir Path dir) throws Exception {
        GpuOptions o = GpuOptions.defaults().withMemorySize(2 * GiB).withBackingFile(dir.resolve("gpu0.mem"));
        try (VfioDevice gpu = DeviceProfiles.create(o)) {
            assertThat(gpu.write(4, 12345, MemorySegment.ofArray(new byte[] {42, 43})))
                    .isEqualTo(2);
        }
        try (VfioDevice gpu = DeviceProfiles.create(o)) {
            byte[] back = new byte[2];
            gpu.read(4, 12345, MemorySegment.ofArray(back));
            assertThat(back).containsExactly(42, 43);
        }
    }
}
