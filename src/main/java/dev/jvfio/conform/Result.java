package dev.jvfio.conform;

/** One check's outcome and why, e.g. FAIL "reply carries msg id 7, the request had 9". */
public record Result(Status status, String reason) {
    static Result pass(String reason) {
        return new Result(Status.PASS, reason);
    }

    static Result fail(String reason) {
        return new Result(Status.FAIL, reason);
    }

    static Result skip(String reason) {
        return new Result(Status.SKIP, reason);
    }
}
