package dev.jvfio.device;

import dev.jvfio.os.Fd;

/**
 * The file a client maps to reach a region directly: the server passes {@code fd} with the
 * region-info reply, and region offset X lives at file offset {@code fileOffset + X}.
 * The device keeps ownership of the fd; the server only sends a copy of it.
 */
public record MappableFile(Fd fd, long fileOffset) {}
