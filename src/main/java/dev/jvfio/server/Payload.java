package dev.jvfio.server;

/**
 * Where the data of the message just received went: into the session's buffer like every other
 * message, or, for a large REGION_WRITE of plain device memory, straight into that memory as it
 * arrived (the write is then done), or lost because that memory faulted on the way (the rest was
 * drained, the write fails with EIO).
 */
enum Payload {
    BUFFERED,
    IN_DEVICE_MEMORY,
    LOST_IN_DEVICE_MEMORY
}
