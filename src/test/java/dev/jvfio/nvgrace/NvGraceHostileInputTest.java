package dev.jvfio.nvgrace;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvfio.device.DmaSpace;
import dev.jvfio.device.VfioException;
import dev.jvfio.profile.DeviceProfiles;
import dev.jvfio.profile.GpuOptions;
import dev.jvfio.profile.GpuProfile;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Random regions, offsets and counts, as a hostile client would send, in both layouts and under every
 * memory-enable policy (NV-4, NV-6): only VfioException may come back.
 */
class NvGraceHostileInputTest {
    static final long GiB = 1L << 30;
    final FakeTime time = new FakeTime();
    NvGraceGpuDevice dev;

    @AfterEach
    void close() {
        if (dev != null) {
            dev.close();
        }
    }

    @ParameterizedTest
    @EnumSource(RegionLayout.class)
    void random_accesses_fail_only_with_errno(RegionLayout layout) throws Exception {
        for (MemoryEnablePolicy policy : MemoryEnablePolicy.values()) {
            dev = DeviceProfiles.createGpu(
                    GpuProfile.GH200,
                    GpuOptions.defaults()
                            .withMemorySize(2 * GiB + 4096)
                            .withPolicy(policy)
                            .withLayout(layout)
                            .withKernelExactQuirks(true),
                    time,
                    time);
            dev.attach(DmaSpace.NONE);
            long seed = 0x5eed_0000L + policy.ordinal() * 7 + layout.ordinal();
            Random r = new Random(seed);
            int errors = 0;
            for (int i = 0; i < 3000; i++) {
                int region = r.nextInt(14) - 1;
                long offset = switch (r.nextInt(5)) {
                    case 0 -> r.nextLong();
                    case 1 -> r.nextInt(0x40);
                    case 2 -> ((long) r.nextInt(4) << 30) + r.nextInt(8) - 4;
                    case 3 -> Long.MAX_VALUE - r.nextInt(16);
                    default -> r.nextInt(4096);
                };
                int count = r.nextInt(3) == 0 ? r.nextInt(9000) : 1 << r.nextInt(4);
                MemorySegment buf = MemorySegment.ofArray(new byte[count]);
                try {
                    int n = r.nextBoolean() ? dev.read(region, offset, buf) : dev.write(region, offset, buf);
                    assertThat(n).as("seed %d step %d", seed, i).isBetween(0, count);
                } catch (VfioException e) {
                    errors++;
                    assertThat(e.errno()).as("seed %d", seed).isPositive();
                }
                if (r.nextInt(500) == 0) {
                    dev.reset();
                }
            }
            assertThat(errors).as("some accesses must have been refused").isPositive();
            dev.close();
            dev = null;
        }
    }
}
