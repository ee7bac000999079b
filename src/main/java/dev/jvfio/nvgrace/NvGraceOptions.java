package dev.jvfio.nvgrace;

import java.time.Duration;
import java.util.Objects;

/**
 * How the variant behaves where the kernel's history or the review thread leaves a choice: the
 * memory-enable policy (NV-6), the layout (NV-6.4), the carve rule (NV-2.4), the resmem straddle
 * quirk (NV-4.4) and the readiness timing (NV-7.1).
 *
 * @param policy            memory-enable policy (NV-6); IGNORE is upstream
 * @param layout            BAR (upstream) or REGION (NV-6.4 alternative)
 * @param carveRule         CURRENT or LINUX_6_9 (NV-2.4)
 * @param kernelExactQuirks reproduce the resmem straddle count of NV-4.4
 * @param readinessPoll     readiness poll quantum (NV-7.1: 1 s)
 * @param readinessTimeout  readiness give-up time (NV-7.1: 30 s)
 * @param clock             time source for the readiness wait
 */
public record NvGraceOptions(
        MemoryEnablePolicy policy,
        RegionLayout layout,
        CarveRule carveRule,
        boolean kernelExactQuirks,
        Duration readinessPoll,
        Duration readinessTimeout,
        ReadinessClock clock) {
    public NvGraceOptions {
        Objects.requireNonNull(policy);
        Objects.requireNonNull(layout);
        Objects.requireNonNull(carveRule);
        Objects.requireNonNull(readinessPoll);
        Objects.requireNonNull(readinessTimeout);
        Objects.requireNonNull(clock);
    }

    /** Upstream behaviour with the driver's timing. */
    public static NvGraceOptions upstream() {
        return new NvGraceOptions(
                MemoryEnablePolicy.IGNORE,
                RegionLayout.BAR,
                CarveRule.CURRENT,
                false,
                NvGraceConstants.POLL_QUANTUM,
                NvGraceConstants.POLL_TIMEOUT,
                ReadinessClock.SYSTEM);
    }

    public NvGraceOptions withPolicy(MemoryEnablePolicy p) {
        return new NvGraceOptions(p, layout, carveRule, kernelExactQuirks, readinessPoll, readinessTimeout, clock);
    }

    public NvGraceOptions withLayout(RegionLayout l) {
        return new NvGraceOptions(policy, l, carveRule, kernelExactQuirks, readinessPoll, readinessTimeout, clock);
    }

    public NvGraceOptions withCarveRule(CarveRule r) {
        return new NvGraceOptions(policy, layout, r, kernelExactQuirks, readinessPoll, readinessTimeout, clock);
    }

    public NvGraceOptions withKernelExactQuirks(boolean q) {
        return new NvGraceOptions(policy, layout, carveRule, q, readinessPoll, readinessTimeout, clock);
    }

    public NvGraceOptions withReadiness(Duration poll, Duration timeout, ReadinessClock c) {
        return new NvGraceOptions(policy, layout, carveRule, kernelExactQuirks, poll, timeout, c);
    }
}
