package dev.jvfio.trace;

import dev.jvfio.protocol.Command;
import dev.jvfio.protocol.Header;
import dev.jvfio.protocol.Wire;
import java.util.StringJoiner;

/**
 * DEVICE_FEATURE (16) and the migration data commands MIG_DATA_READ (17) and MIG_DATA_WRITE (18)
 * of vfio-user migration v2 (VU-7.2). DEVICE_FEATURE is {@code u32 argsz, u32 flags} then data;
 * flags bits 0-15 are the feature id (the kernel's VFIO_DEVICE_FEATURE_* numbers), bit 16 GET,
 * 17 SET, 18 PROBE. The migration data commands are {@code u32 argsz, u32 size} then size bytes.
 */
final class FeatureFields {
    static final int OFF_ARGSZ = Header.SIZE;
    static final int OFF_FLAGS = Header.SIZE + 4;
    static final int OFF_DATA = Header.SIZE + 8;

    static final int FEATURE_MASK = 0xFFFF;
    static final int GET = 1 << 16;
    static final int SET = 1 << 17;
    static final int PROBE = 1 << 18;

    static final int MIGRATION = 1;
    static final int MIG_DEVICE_STATE = 2;
    static final int DMA_LOGGING_START = 6;
    static final int DMA_LOGGING_REPORT = 8;
    static final int MIG_DATA_SIZE = 9;
    /** Logging ranges shown in the line. */
    private static final int SHOWN_RANGES = 8;

    private FeatureFields() {}

    static void decode(Decoding d, int command) {
        switch (command) {
            case Command.DEVICE_FEATURE -> feature(d);
            case Command.MIG_DATA_READ -> migData(d, "MIG_DATA_READ", d.reply);
            default -> migData(d, "MIG_DATA_WRITE", !d.reply);
        }
    }

    /** The kernel's name of a feature id (include/uapi/linux/vfio.h), else the number. */
    static String featureName(int id) {
        return switch (id) {
            case 0 -> "PCI_VF_TOKEN";
            case MIGRATION -> "MIGRATION";
            case MIG_DEVICE_STATE -> "MIG_DEVICE_STATE";
            case 3 -> "LOW_POWER_ENTRY";
            case 4 -> "LOW_POWER_ENTRY_WITH_WAKEUP";
            case 5 -> "LOW_POWER_EXIT";
            case DMA_LOGGING_START -> "DMA_LOGGING_START";
            case 7 -> "DMA_LOGGING_STOP";
            case DMA_LOGGING_REPORT -> "DMA_LOGGING_REPORT";
            case MIG_DATA_SIZE -> "MIG_DATA_SIZE";
            default -> Integer.toString(id);
        };
    }

    /** enum vfio_device_mig_state. */
    static String stateName(long state) {
        return switch ((int) Math.min(state, Integer.MAX_VALUE)) {
            case 0 -> "ERROR";
            case 1 -> "STOP";
            case 2 -> "RUNNING";
            case 3 -> "STOP_COPY";
            case 4 -> "RESUMING";
            case 5 -> "RUNNING_P2P";
            case 6 -> "PRE_COPY";
            case 7 -> "PRE_COPY_P2P";
            default -> Long.toString(state);
        };
    }

    private static void feature(Decoding d) {
        if (d.shorterThan(OFF_DATA, "DEVICE_FEATURE")) {
            return;
        }
        int flags = Wire.u32(d.msg, OFF_FLAGS);
        int id = flags & FEATURE_MASK;
        d.text("feature", featureName(id));
        d.text("op", Field.bits(flags >>> 16, "GET", "SET", "PROBE"));
        d.dec("argsz", Wire.u32l(d.msg, OFF_ARGSZ));
        if ((flags & ~(FEATURE_MASK | GET | SET | PROBE)) != 0) {
            d.problem("DEVICE_FEATURE reserved flag bits 0x"
                    + Integer.toHexString(flags & ~(FEATURE_MASK | GET | SET | PROBE)));
        }
        if ((flags & (GET | SET)) == (GET | SET) && (flags & PROBE) == 0) {
            d.problem("DEVICE_FEATURE with GET and SET but no PROBE");
        }
        long data = d.size() - OFF_DATA;
        switch (id) {
            case MIGRATION -> {
                if (data >= 8) {
                    d.text("migration", Field.bits((int) Wire.u64(d.msg, OFF_DATA), "STOP_COPY", "P2P", "PRE_COPY"));
                }
            }
            case MIG_DEVICE_STATE -> {
                if (data >= 4) {
                    d.text("device_state", stateName(Wire.u32l(d.msg, OFF_DATA)));
                }
                if (data >= 8 && Wire.u32(d.msg, OFF_DATA + 4) != -1) {
                    d.dec("data_fd", Wire.u32l(d.msg, OFF_DATA + 4));
                }
            }
            case DMA_LOGGING_START -> loggingStart(d, data);
            case DMA_LOGGING_REPORT -> {
                if (data >= 24) {
                    d.hex("iova", Wire.u64(d.msg, OFF_DATA));
                    d.hex("length", Wire.u64(d.msg, OFF_DATA + 8));
                    d.hex("page_size", Wire.u64(d.msg, OFF_DATA + 16));
                }
                if (data > 24) {
                    d.dec("bitmap_bytes", data - 24);
                }
            }
            case MIG_DATA_SIZE -> {
                if (data >= 8) {
                    d.hex("stop_copy_length", Wire.u64(d.msg, OFF_DATA));
                }
            }
            default -> {
                // no data the log shows
            }
        }
    }

    private static void loggingStart(Decoding d, long data) {
        if (data < 16) {
            return;
        }
        d.hex("page_size", Wire.u64(d.msg, OFF_DATA));
        long n = Wire.u32l(d.msg, OFF_DATA + 8);
        d.dec("ranges", n);
        long have = (data - 16) / 16;
        if (n > 0) {
            StringJoiner list = new StringJoiner(",", "[", n > SHOWN_RANGES ? ",...]" : "]");
            for (int i = 0; i < Math.min(Math.min(n, have), SHOWN_RANGES); i++) {
                long at = OFF_DATA + 16 + 16L * i;
                list.add("0x" + Long.toHexString(Wire.u64(d.msg, at)) + "+0x"
                        + Long.toHexString(Wire.u64(d.msg, at + 8)));
            }
            d.text("range_list", list.toString());
        }
        if (n > have) {
            d.problem("DMA_LOGGING_START announces " + n + " ranges, the message holds " + have);
        }
    }

    /** {@code u32 argsz, u32 size} and, when the message carries data, size bytes of it. */
    private static void migData(Decoding d, String name, boolean carriesData) {
        if (d.reply && !carriesData && d.size() == Header.SIZE) {
            return; // MIG_DATA_WRITE's reply is a bare header
        }
        if (d.shorterThan(OFF_DATA, name)) {
            return;
        }
        long size = Wire.u32l(d.msg, OFF_FLAGS);
        d.dec("argsz", Wire.u32l(d.msg, OFF_ARGSZ));
        d.dec("size", size);
        long data = d.size() - OFF_DATA;
        if (carriesData && data < size) {
            d.problem(name + " announces " + size + " bytes and carries " + data);
        } else if (!carriesData && data > 0) {
            d.problem(name + (d.reply ? " reply" : "") + " with " + data + " unexpected data bytes");
        }
    }
}
