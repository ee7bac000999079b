package dev.jvfio.fuzz;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

/**
 * Hostile payloads of the migration commands (VU-10): DEVICE_FEATURE with every feature id and
 * method combination, argsz at and around its limits, state numbers valid and not, logging ranges
 * that overflow, overlap or claim more than they carry, reports of any size; MIG_DATA_READ/WRITE
 * with sizes around max_data_xfer_size and data shorter or longer than announced. Valid requests
 * come often enough to walk the state machine of a device that migrates.
 */
final class MigrationPayloads {
    private MigrationPayloads() {}

    private static final int GET = 1 << 16;
    private static final int SET = 1 << 17;
    private static final int PROBE = 1 << 18;
    private static final long[] PAGES = {4096, 65536, 512, 2048, 0, 3, 1L << 63, 1L << 30};

    static byte[] feature(Random r) {
        int id = switch (r.nextInt(8)) {
            case 0 -> r.nextInt(16);
            case 1 -> MessageGenerator.interesting32(r) & 0xFFFF;
            default -> new int[] {1, 2, 2, 2, 6, 7, 8, 9}[r.nextInt(8)];
        };
        int methods = switch (r.nextInt(10)) {
            case 0 -> PROBE | (r.nextInt(4) << 16);
            case 1 -> r.nextInt(8) << 16;
            case 2 -> MessageGenerator.interesting32(r) & ~0xFFFF;
            default -> natural(r, id);
        };
        byte[] data = switch (id) {
            case 2 -> (methods & SET) != 0 ? state(r) : r.nextInt(3) == 0 ? new byte[8] : new byte[0];
            case 6 -> loggingStart(r);
            case 7 -> r.nextInt(3) == 0 ? loggingStart(r) : new byte[0];
            case 8 -> report(r);
            default -> r.nextInt(4) == 0 ? MessageGenerator.random(r, r.nextInt(40)) : new byte[0];
        };
        int reply = 8
                + switch (id) {
                    case 1, 2, 9 -> 8;
                    case 8 -> 24 + 8 * (1 + r.nextInt(4));
                    default -> data.length;
                };
        int argsz = switch (r.nextInt(8)) {
            case 0 -> MessageGenerator.interesting32(r);
            case 1 -> reply - 1 - r.nextInt(8);
            case 2 -> -1;
            default -> Math.max(reply, 8 + data.length);
        };
        return le(8 + data.length).putInt(argsz).putInt(methods | id).put(data).array();
    }

    /** The method a feature is used with (VU-10.3). */
    private static int natural(Random r, int id) {
        return switch (id) {
            case 2 -> r.nextInt(3) == 0 ? GET : SET;
            case 6, 7 -> SET;
            default -> GET;
        };
    }

    private static byte[] state(Random r) {
        int s = switch (r.nextInt(6)) {
            case 0 -> MessageGenerator.interesting32(r);
            case 1 -> r.nextInt(9);
            default -> new int[] {1, 2, 3, 4, 6}[r.nextInt(5)];
        };
        return le(8).putInt(s).putInt(r.nextInt(4) == 0 ? r.nextInt() : -1).array();
    }

    private static byte[] loggingStart(Random r) {
        int n = r.nextInt(10) == 0 ? r.nextInt(2000) : r.nextInt(4);
        int announced = switch (r.nextInt(10)) {
            case 0 -> MessageGenerator.interesting32(r);
            case 1 -> n + 1;
            default -> n;
        };
        long page = r.nextInt(4) == 0 ? MessageGenerator.interesting(r) : PAGES[r.nextInt(PAGES.length)];
        ByteBuffer b = le(16 + 16 * n).putLong(page).putInt(announced).putInt(r.nextInt(8) == 0 ? r.nextInt() : 0);
        for (int i = 0; i < n; i++) {
            long iova = r.nextInt(3) == 0 ? MessageGenerator.interesting(r) : (long) r.nextInt(1 << 16) << 16;
            long length = r.nextInt(3) == 0 ? MessageGenerator.interesting(r) : (long) (1 + r.nextInt(64)) << 12;
            b.putLong(iova).putLong(length);
        }
        return b.array();
    }

    private static byte[] report(Random r) {
        long page = r.nextInt(4) == 0 ? MessageGenerator.interesting(r) : PAGES[r.nextInt(PAGES.length)];
        long iova = r.nextInt(3) == 0 ? MessageGenerator.interesting(r) : (long) r.nextInt(1 << 16) << 16;
        long length = switch (r.nextInt(5)) {
            case 0 -> MessageGenerator.interesting(r);
            case 1 -> (8L << 20) * 4096 + 4096 * (r.nextInt(3) - 1); // around a 1 MiB bitmap
            default -> (long) (1 + r.nextInt(256)) << 12;
        };
        return le(24).putLong(iova).putLong(length).putLong(page).array();
    }

    static byte[] dataRead(Random r, long size) {
        long argsz = r.nextInt(6) == 0 ? MessageGenerator.interesting32(r) : 8 + size;
        return le(8).putInt((int) argsz).putInt((int) size).array();
    }

    static byte[] dataWrite(Random r, long size, long maxDataXferSize) {
        int data = size <= maxDataXferSize && (size <= 4096 || r.nextInt(20) == 0) ? (int) size : r.nextInt(64);
        if (r.nextInt(10) == 0) {
            data = Math.max(0, data + r.nextInt(3) - 1);
        }
        long argsz = r.nextInt(6) == 0 ? MessageGenerator.interesting32(r) : 8 + size;
        ByteBuffer b = le(8 + data).putInt((int) argsz).putInt((int) size);
        for (int i = 0; i < data; i++) {
            b.put((byte) r.nextInt());
        }
        return b.array();
    }

    private static ByteBuffer le(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }
}
