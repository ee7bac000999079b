package dev.jvfio.bench;

/**
 * How many rounds (launches, for the ready row) a row used and why it stopped adding more
 * ({@link AdaptiveRounds}).
 *
 * @param used         rounds per side in all
 * @param added        of those, the rounds added because the verdict was undecided
 * @param extraSeconds time the added rounds took
 * @param stop         why no more were added
 * @param steal        share of CPU time the hypervisor stole while the row ran (NaN if unknown)
 */
public record Rounds(int used, int added, double extraSeconds, AdaptiveRounds.Stop stop, double steal) {
    Rounds(int used, int added, double extraSeconds, AdaptiveRounds.Stop stop) {
        this(used, added, extraSeconds, stop, Double.NaN);
    }

    static Rounds fixed(int used) {
        return new Rounds(used, 0, 0, AdaptiveRounds.Stop.FIXED);
    }

    Rounds withSteal(double share) {
        return new Rounds(used, added, extraSeconds, stop, share);
    }

    /** "4", or "4+4" when 4 were added. */
    String describe() {
        return added == 0 ? Integer.toString(used) : (used - added) + "+" + added;
    }
}
