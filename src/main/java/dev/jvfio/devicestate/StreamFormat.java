package dev.jvfio.devicestate;

/**
 * The layout of a jvfio device state stream (docs/migration-state.md, MIG-1.x). A stream is a
 * sequence of records, each {@code type u32, length u64, payload[length], trailer u32}, all
 * little-endian:
 *
 * <ul>
 *   <li>{@link #HEADER}, always first: magic, version, flags, device kind, profile, memory size
 *       (and, with {@link #FLAG_SHARED_MEMORY}, the identity of the memory file both sides map);</li>
 *   <li>{@link #MEMORY}: one chunk of device memory, only its populated extents;</li>
 *   <li>{@link #SECTION}: the named state of one part of the device;</li>
 *   <li>{@link #END}, always last: how many records and memory bytes came before it.</li>
 * </ul>
 *
 * The trailer of a header, section or end record is the CRC32C of the record before it; the
 * trailer of a memory record is the chunk's digest, the CRC32C of its whole content (holes as
 * zeros), and its head carries a CRC32C of its own.
 */
final class StreamFormat {
    private StreamFormat() {}

    /** "JVFIOMIG" as little-endian bytes. */
    static final long MAGIC = 0x4749_4D4F_4946_564AL;
    /** The only version this code writes and reads. */
    static final int VERSION = 1;

    static final int HEADER = 1;
    static final int MEMORY = 2;
    static final int SECTION = 3;
    static final int END = 4;

    /** Header flag: no memory records follow; the destination must map the same file. */
    static final int FLAG_SHARED_MEMORY = 1;

    /** type u32 + length u64. */
    static final int RECORD_HEAD = 12;

    static final int TRAILER = 4;

    /** Device memory moves in chunks of this many bytes, each with one digest. */
    static final long CHUNK = 2L << 20;
    /** Holes and data alternate at most every 512 bytes (the smallest block a file system has). */
    static final int MAX_EXTENTS = (int) (CHUNK / 512 / 2);
    /** chunk offset u64, chunk length u32, extent count u32. */
    static final int MEMORY_FIXED = 16;
    /** offset u32, length u32 within the chunk. */
    static final int EXTENT = 8;
    /** The memory record's own head CRC after its extent table. */
    static final int HEAD_CRC = 4;

    static final int MAX_HEADER_PAYLOAD = 4096;
    static final int MAX_SECTION_PAYLOAD = 1 << 20;
    static final int END_PAYLOAD = 28;
    static final long MAX_MEMORY_PAYLOAD = MEMORY_FIXED + (long) MAX_EXTENTS * EXTENT + HEAD_CRC + CHUNK;

    /** The largest payload a record of {@code type} may have, or -1 for a type that does not exist. */
    static long maxPayload(int type) {
        return switch (type) {
            case HEADER -> MAX_HEADER_PAYLOAD;
            case MEMORY -> MAX_MEMORY_PAYLOAD;
            case SECTION -> MAX_SECTION_PAYLOAD;
            case END -> END_PAYLOAD;
            default -> -1;
        };
    }
}
