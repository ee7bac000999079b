package dev.jvfio.devicestate;

import dev.jvfio.device.VfioException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** One record of a saving stream on its way out, in as many reads as the client makes. */
interface RecordOut {
    /** Copies the record's next bytes into {@code dst} from {@code at}; returns how many. */
    long emit(MemorySegment dst, long at) throws VfioException;

    /** Whether every byte went out. */
    boolean done();

    /** A record held whole in memory (header, section, end). */
    final class Bytes implements RecordOut {
        private final byte[] record;
        private int pos;

        Bytes(byte[] record) {
            this.record = record;
        }

        @Override
        public long emit(MemorySegment dst, long at) {
            int n = (int) Math.min(dst.byteSize() - at, record.length - pos);
            MemorySegment.copy(record, pos, dst, ValueLayout.JAVA_BYTE, at, n);
            pos += n;
            return n;
        }

        @Override
        public boolean done() {
            return pos == record.length;
        }

        int length() {
            return record.length;
        }
    }

    /** A header, section or end record: head, payload and the CRC32C of both. */
    static byte[] framed(int type, byte[] payload) {
        byte[] r = new byte[StreamFormat.RECORD_HEAD + payload.length + StreamFormat.TRAILER];
        Crc.putInt(r, 0, type);
        Crc.putLong(r, 4, payload.length);
        System.arraycopy(payload, 0, r, StreamFormat.RECORD_HEAD, payload.length);
        Crc.putInt(r, r.length - StreamFormat.TRAILER, Crc.of(r, 0, r.length - StreamFormat.TRAILER));
        return r;
    }
}
