package dev.jvfio.bench;

/**
 * One line of the result table: the subject's figure beside its floor's, measured in the same run.
 *
 * @param id             stable key for scripts, e.g. "trapped.config-read", "bulk.read.1MiB"
 * @param group          one of {@link BenchOptions#GROUPS}
 * @param label          what was measured, for people
 * @param unit           unit of subject and floor (rt/s, MB/s, GB/s, MiB, ms)
 * @param higherIsBetter true for rates, false for times and memory
 * @param subject        the jvfio figure
 * @param floor          the floor's figure
 * @param floorName      what the floor is
 * @param ratio          subject's median relative to the floor's: subject/floor for rates,
 *                       floor/subject for times and memory; 1.0 = as good as the floor
 * @param ratioBest      the same for the best rounds
 * @param subjectLatency p50/p99 per round trip (trapped rows), else null
 * @param floorLatency   the floor's p50/p99, else null
 * @param target         the row's goal and the verdict on it, or null
 * @param spread         the paired ratio of the rounds (geometric mean of round-by-round ratios)
 *                       and its 95% confidence interval; ratio targets are judged on it
 * @param rounds         how many rounds (launches) the row used, and why it stopped adding more
 */
public record Row(
        String id,
        String group,
        String label,
        String unit,
        boolean higherIsBetter,
        Stat subject,
        Stat floor,
        String floorName,
        double ratio,
        double ratioBest,
        Latency subjectLatency,
        Latency floorLatency,
        Target target,
        Spread spread,
        Rounds rounds) {

    static double ratio(double subject, double floor, boolean higherIsBetter) {
        return higherIsBetter ? subject / floor : floor / subject;
    }
}
