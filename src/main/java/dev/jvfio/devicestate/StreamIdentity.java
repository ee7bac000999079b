package dev.jvfio.devicestate;

import java.util.Objects;

/**
 * What the header of a stream names, and what a destination must be to accept it: the device kind
 * (who defines the sections), the profile (the model and every option that shapes its state) and
 * the size of its device memory. Any difference is a foreign stream.
 *
 * @param kind       "pci" (a PCI core device), "nvgrace-gpu", ...
 * @param profile    the model and its state-shaping options, e.g. "sample" or "10de:2342 BAR CURRENT IGNORE"
 * @param memorySize bytes of device memory carried by memory records (0 for none)
 */
public record StreamIdentity(String kind, String profile, long memorySize) {
    public StreamIdentity {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(profile, "profile");
        if (memorySize < 0) {
            throw new IllegalArgumentException("negative memory size");
        }
    }
}
