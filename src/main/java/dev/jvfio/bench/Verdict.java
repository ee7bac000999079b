package dev.jvfio.bench;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * What a run showed about a target. Only {@link #MET} and {@link #MISSED} are claims; a run that
 * could not tell says {@link #UNDECIDED} and why, never a form of "met".
 */
public enum Verdict {
    /** The whole interval is on the right side of the target (at or above a ratio, at or below a limit). */
    MET("met"),
    /** The whole interval is on the wrong side, and nothing but the subject explains it. */
    MISSED("MISSED"),
    /** The interval reaches the target, or the machine, not the subject, kept the figure over it. */
    UNDECIDED("undecided");

    private final String word;

    Verdict(String word) {
        this.word = word;
    }

    /** As printed and as in the JSON: "met", "MISSED", "undecided". */
    @JsonValue
    public String word() {
        return word;
    }
}
