package dev.jvfio.devicestate;

import dev.jvfio.device.VfioException;

/** A state section holding one long, counting what the device did to it. */
final class FakeSection implements StateSection {
    private final String name;
    long value;
    int applied;
    int stops;
    int runs;

    FakeSection(String name, long value) {
        this.name = name;
        this.value = value;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void save(StateWriter out) {
        out.putString(name).putLong(value);
    }

    @Override
    public Staged load(StateReader in) throws VfioException {
        in.require(in.getString().equals(name), "is another section");
        long v = in.getLong();
        in.end();
        return () -> {
            value = v;
            applied++;
        };
    }

    @Override
    public void stop() {
        stops++;
    }

    @Override
    public void run() {
        runs++;
    }
}
