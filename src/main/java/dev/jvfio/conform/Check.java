package dev.jvfio.conform;

/**
 * One thing the specification requires of a server, checked on connections of its own.
 *
 * <p>{@code id} is the behaviour id of docs/reference/vfio-user.md with a name after the slash
 * ({@code VU-3.2/minor-zero}); {@code spec} is the section of vfio-user.rst it rests on.
 */
public final class Check {
    /** The body: returns the PASS reason, or ends with a {@link Verdict.Failed} or {@link Verdict.Skipped}. */
    @FunctionalInterface
    interface Body {
        String run(Context c) throws Exception;
    }

    private final String id;
    private final String spec;
    private final String title;
    private final Body body;

    Check(String id, String spec, String title, Body body) {
        this.id = id;
        this.spec = spec;
        this.title = title;
        this.body = body;
    }

    public String id() {
        return id;
    }

    public String spec() {
        return spec;
    }

    public String title() {
        return title;
    }

    Body body() {
        return body;
    }

    /** Whether an --only item names this check: its id, or a prefix ending at a '.' or '/' boundary. */
    boolean selectedBy(String item) {
        return id.equals(item)
                || id.startsWith(item)
                        && (id.charAt(item.length()) == '/'
                                || id.charAt(item.length()) == '.'
                                || item.endsWith("/")
                                || item.endsWith("."));
    }

    @Override
    public String toString() {
        return id;
    }
}
