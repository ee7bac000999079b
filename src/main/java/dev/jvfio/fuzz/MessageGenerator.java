package dev.jvfio.fuzz;

import dev.jvfio.device.Vfio;
import dev.jvfio.protocol.Command;
import dev.jvfio.protocol.Header;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Random;

/**
 * Structure-aware hostile vfio-user messages: a header that names a real command (mostly) and a
 * payload laid out as that command's struct, whose fields take values at and around every limit
 * (0, 1, page and region sizes, max_data_xfer_size, u32/u64 extremes, overflowing offset+count),
 * with the payload sometimes truncated or padded. Deterministic for a given {@link Random}, so a
 * failure replays from its seed. No I/O: the fuzzer and the property tests share it.
 */
public final class MessageGenerator {
    /** Every command number the protocol defines, plus neighbours that it does not. */
    private static final int[] COMMANDS = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19};
    /** Sizes of regions a device is likely to have, so offsets land on and around their ends. */
    private static final long[] EDGES = {
        0, 1, 2, 3, 4, 8, 0x40, 0x100, 0xFFF, 0x1000, 0x4000, 0x8000, 0x10000, 1L << 20, 1L << 24, 1L << 29, 1L << 30,
        1L << 31, 1L << 32, 2L << 30, 3L << 30, 1L << 40
    };

    private final long maxDataXferSize;

    /** @param maxDataXferSize the limit the server announces; counts cluster around it */
    public MessageGenerator(long maxDataXferSize) {
        this.maxDataXferSize = maxDataXferSize;
    }

    /** A value chosen to break arithmetic: 0, ±1 around edges and powers of two, extremes, random. */
    public static long interesting(Random r) {
        return switch (r.nextInt(8)) {
            case 0 -> 0;
            case 1 -> -1L;
            case 2 -> Long.MAX_VALUE - r.nextInt(16);
            case 3 -> Long.MIN_VALUE + r.nextInt(16);
            case 4 -> EDGES[r.nextInt(EDGES.length)] + r.nextInt(9) - 4;
            case 5 -> (1L << r.nextInt(64)) + r.nextInt(3) - 1;
            case 6 -> 0xFFFF_FFFFL - r.nextInt(16);
            default -> r.nextLong();
        };
    }

    /** An interesting value folded into u32 range (as a Java int). */
    public static int interesting32(Random r) {
        return switch (r.nextInt(6)) {
            case 0 -> r.nextInt(16);
            case 1 -> -1 - r.nextInt(4);
            case 2 -> Integer.MAX_VALUE - r.nextInt(4);
            case 3 -> Integer.MIN_VALUE + r.nextInt(4);
            default -> (int) interesting(r);
        };
    }

    long count(Random r) {
        return switch (r.nextInt(10)) {
            case 0 -> 0;
            case 1, 2 -> 1 + r.nextInt(8);
            case 3 -> maxDataXferSize + r.nextInt(3) - 1;
            case 4 -> 0xFFFF_FFFFL - r.nextInt(4);
            case 5 -> 4096 + r.nextInt(3) - 1;
            default -> r.nextInt(64);
        };
    }

    private static long offset(Random r) {
        return r.nextInt(3) == 0 ? r.nextInt(256) : interesting(r);
    }

    private static int region(Random r) {
        return r.nextInt(4) == 0 ? interesting32(r) : r.nextInt(12);
    }

    /**
     * One whole message: header (size field equal to the byte length) and a hostile payload for
     * a command chosen at random. {@code id} is the message id to use.
     */
    public byte[] message(Random r, int id) {
        int command = r.nextInt(24) == 0 ? r.nextInt(0x10000) : COMMANDS[r.nextInt(COMMANDS.length)];
        return message(r, id, command);
    }

    /** Like {@link #message(Random, int)} for a given command number. */
    public byte[] message(Random r, int id, int command) {
        byte[] payload = perturb(r, payload(r, command));
        int flags = switch (r.nextInt(32)) {
            case 0, 1 -> Header.TYPE_COMMAND | Header.FLAG_NO_REPLY;
            case 2 -> Header.TYPE_REPLY;
            case 3 -> r.nextInt();
            case 4 -> Header.TYPE_COMMAND | Header.FLAG_ERROR;
            default -> Header.TYPE_COMMAND;
        };
        int error = r.nextInt(16) == 0 ? r.nextInt() : 0;
        return withHeader(id, command, flags, error, payload);
    }

    /** Prepends a header whose size field is the true length. */
    public static byte[] withHeader(int id, int command, int flags, int error, byte[] payload) {
        ByteBuffer b = le(Header.SIZE + payload.length);
        b.putShort((short) id)
                .putShort((short) command)
                .putInt(Header.SIZE + payload.length)
                .putInt(flags)
                .putInt(error)
                .put(payload);
        return b.array();
    }

    /** Random bytes, shortened or padded now and then: the payload a parser must survive. */
    private static byte[] perturb(Random r, byte[] p) {
        int roll = r.nextInt(10);
        if (roll == 0 && p.length > 0) {
            byte[] s = new byte[r.nextInt(p.length)];
            System.arraycopy(p, 0, s, 0, s.length);
            return s;
        }
        if (roll == 1) {
            byte[] s = new byte[p.length + 1 + r.nextInt(64)];
            System.arraycopy(p, 0, s, 0, p.length);
            for (int i = p.length; i < s.length; i++) {
                s[i] = (byte) r.nextInt();
            }
            return s;
        }
        if (roll == 2 && p.length > 0) {
            byte[] s = p.clone();
            for (int i = 0, n = 1 + r.nextInt(4); i < n; i++) {
                s[r.nextInt(s.length)] ^= (byte) (1 << r.nextInt(8));
            }
            return s;
        }
        return p;
    }

    /** A payload (no header) shaped like {@code command}'s request struct. */
    public byte[] payload(Random r, int command) {
        return switch (command) {
            case Command.VERSION -> version(r);
            case Command.DMA_MAP ->
                le(32).putInt(argsz(r, 32))
                        .putInt(r.nextInt(4) == 0 ? r.nextInt() : r.nextInt(4))
                        .putLong(pageish(r))
                        .putLong(pageish(r))
                        .putLong(pageish(r))
                        .array();
            case Command.DMA_UNMAP ->
                le(24).putInt(argsz(r, 24))
                        .putInt(r.nextInt(4) == 0 ? r.nextInt() : r.nextInt(3))
                        .putLong(pageish(r))
                        .putLong(pageish(r))
                        .array();
            case Command.DEVICE_GET_INFO ->
                le(16).putInt(argsz(r, 16))
                        .putInt(r.nextInt())
                        .putInt(r.nextInt())
                        .putInt(r.nextInt())
                        .array();
            case Command.DEVICE_GET_REGION_INFO ->
                le(32).putInt(argsz(r, 32))
                        .putInt(r.nextInt(8) == 0 ? r.nextInt() : 0)
                        .putInt(region(r))
                        .putInt(r.nextInt(8) == 0 ? r.nextInt() : 0)
                        .putLong(r.nextLong())
                        .putLong(r.nextLong())
                        .array();
            case Command.DEVICE_GET_REGION_IO_FDS ->
                le(16).putInt(argsz(r, 16))
                        .putInt(r.nextInt(4) == 0 ? r.nextInt() : 0)
                        .putInt(region(r))
                        .putInt(interesting32(r))
                        .array();
            case Command.DEVICE_GET_IRQ_INFO ->
                le(16).putInt(argsz(r, 16))
                        .putInt(r.nextInt())
                        .putInt(r.nextInt(4) == 0 ? interesting32(r) : r.nextInt(7))
                        .putInt(r.nextInt())
                        .array();
            case Command.DEVICE_SET_IRQS -> setIrqs(r);
            case Command.REGION_READ ->
                le(16).putLong(offset(r))
                        .putInt(region(r))
                        .putInt((int) count(r))
                        .array();
            case Command.REGION_WRITE -> regionWrite(r);
            case Command.DEVICE_RESET -> r.nextInt(4) == 0 ? random(r, 1 + r.nextInt(32)) : new byte[0];
            case Command.REGION_WRITE_MULTI -> writeMulti(r);
            case Command.DEVICE_FEATURE -> MigrationPayloads.feature(r);
            case Command.MIG_DATA_READ -> MigrationPayloads.dataRead(r, count(r));
            case Command.MIG_DATA_WRITE -> MigrationPayloads.dataWrite(r, count(r), maxDataXferSize);
            default -> random(r, r.nextInt(4) == 0 ? r.nextInt(4096) : r.nextInt(48));
        };
    }

    private static int argsz(Random r, int exact) {
        return switch (r.nextInt(8)) {
            case 0 -> interesting32(r);
            case 1 -> exact - 1 - r.nextInt(4);
            case 2 -> exact + 1 + r.nextInt(64);
            default -> exact;
        };
    }

    /** Mostly page multiples near interesting places, sometimes anything. */
    private static long pageish(Random r) {
        long v = interesting(r);
        return r.nextInt(3) == 0 ? v : v & ~4095L;
    }

    private byte[] regionWrite(Random r) {
        long offset = offset(r);
        int region = region(r);
        long count = count(r);
        // The data normally matches count; large counts carry fewer bytes unless we want the limit.
        int data;
        if (count <= maxDataXferSize + 1 && (count <= 4096 || r.nextInt(20) == 0)) {
            data = (int) count;
        } else {
            data = r.nextInt(64);
        }
        if (r.nextInt(10) == 0) {
            data = Math.max(0, data + r.nextInt(3) - 1);
        }
        ByteBuffer b = le(16 + data).putLong(offset).putInt(region).putInt((int) count);
        for (int i = 0; i < data; i++) {
            b.put((byte) r.nextInt());
        }
        return b.array();
    }

    private static byte[] setIrqs(Random r) {
        int data = switch (r.nextInt(5)) {
            case 0 -> Vfio.IRQ_SET_DATA_NONE;
            case 1 -> Vfio.IRQ_SET_DATA_BOOL;
            case 2 -> Vfio.IRQ_SET_DATA_EVENTFD;
            case 3 -> r.nextInt(8);
            default -> Vfio.IRQ_SET_DATA_NONE;
        };
        int action = switch (r.nextInt(5)) {
            case 0 -> Vfio.IRQ_SET_ACTION_MASK;
            case 1 -> Vfio.IRQ_SET_ACTION_UNMASK;
            case 2 -> r.nextInt(8) << 3;
            default -> Vfio.IRQ_SET_ACTION_TRIGGER;
        };
        int flags = r.nextInt(16) == 0 ? r.nextInt() : data | action;
        int index = r.nextInt(4) == 0 ? interesting32(r) : r.nextInt(6);
        int start = r.nextInt(3) == 0 ? interesting32(r) : r.nextInt(4);
        int count = switch (r.nextInt(5)) {
            case 0 -> interesting32(r);
            case 1 -> 2048 + r.nextInt(3) - 1;
            default -> r.nextInt(5);
        };
        int bools = (data == Vfio.IRQ_SET_DATA_BOOL && count >= 0 && count <= 4096) ? count : r.nextInt(4);
        if (r.nextInt(6) == 0) {
            bools = Math.max(0, bools - 1);
        }
        ByteBuffer b = le(20 + bools)
                .putInt(argsz(r, 20 + bools))
                .putInt(flags)
                .putInt(index)
                .putInt(start)
                .putInt(count);
        for (int i = 0; i < bools; i++) {
            b.put((byte) r.nextInt(3));
        }
        return b.array();
    }

    private static byte[] writeMulti(Random r) {
        long n = switch (r.nextInt(6)) {
            case 0 -> interesting(r);
            case 1 -> 200 + r.nextInt(3) - 1;
            default -> r.nextInt(6);
        };
        int entries = (int) Math.max(0, Math.min(n, 201));
        if (r.nextInt(8) == 0) {
            entries = r.nextInt(6);
        }
        ByteBuffer b = le(8 + 24 * entries).putLong(n);
        for (int i = 0; i < entries; i++) {
            b.putLong(offset(r)).putInt(region(r)).putInt(r.nextInt(5) == 0 ? interesting32(r) : r.nextInt(9));
            b.putLong(r.nextLong());
        }
        return b.array();
    }

    private static final String[] JSON = {
        "{\"capabilities\":{\"max_msg_fds\":16,\"max_data_xfer_size\":1048576,\"pgsizes\":4096,"
                + "\"max_dma_maps\":65535,\"migration\":{\"pgsize\":4096},\"write_multiple\":true}}",
        "{\"capabilities\":{\"max_msg_fds\":-1}}",
        "{\"capabilities\":{\"max_data_xfer_size\":99999999999999999999999999}}",
        "{\"capabilities\":{\"pgsizes\":0}}",
        "{\"capabilities\":[]}",
        "[1,2,3]",
        "{\"capabilities\":{\"twin_socket\":{\"supported\":true}}}",
        "{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{}}}}}}}}}}}",
        "{\"capabilities\":{\"max_msg_fds\":1.5e300}}",
        "{\"capabilities\":{\"write_multiple\":\"yes\"}}",
        "{",
        "",
        "null",
    };

    private static byte[] version(Random r) {
        int major = r.nextInt(4) == 0 ? r.nextInt(0x10000) : 0;
        int minor = r.nextInt(4) == 0 ? r.nextInt(0x10000) : r.nextInt(2);
        byte[] json = switch (r.nextInt(6)) {
            case 0 -> random(r, r.nextInt(256));
            case 1 ->
                ("{\"capabilities\":{\"x\":\"" + "y".repeat(4000 + r.nextInt(200)) + "\"}}")
                        .getBytes(StandardCharsets.UTF_8);
            default -> JSON[r.nextInt(JSON.length)].getBytes(StandardCharsets.UTF_8);
        };
        boolean nul = r.nextInt(6) != 0;
        ByteBuffer b = le(4 + json.length + (nul ? 1 : 0))
                .putShort((short) major)
                .putShort((short) minor)
                .put(json);
        return b.array();
    }

    /** n random bytes. */
    public static byte[] random(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    private static ByteBuffer le(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * A request that passes the decoders (so the device is reached) and carries fds: a DMA_MAP of
     * a memfd page or SET_IRQS with eventfds, sometimes with one field mutated.
     */
    static byte[] wellFormedWithFds(Random r, int id) {
        ByteBuffer b;
        int command;
        if (r.nextBoolean()) {
            command = Command.DMA_MAP;
            long iova = (long) r.nextInt(64) << 16;
            long size = r.nextBoolean() ? 4096 : 65536;
            b = ByteBuffer.allocate(32)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putInt(32)
                    .putInt(r.nextInt(4))
                    .putLong(r.nextInt(4) == 0 ? 4096 : 0)
                    .putLong(iova)
                    .putLong(size);
        } else if (r.nextInt(4) == 0) {
            command = Command.DMA_UNMAP;
            b = ByteBuffer.allocate(24)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putInt(24)
                    .putInt(r.nextInt(3) == 0 ? 2 : 0)
                    .putLong(r.nextInt(3) == 0 ? 0 : (long) r.nextInt(64) << 16)
                    .putLong(r.nextInt(3) == 0 ? 0 : 4096);
        } else {
            command = Command.DEVICE_SET_IRQS;
            int index = r.nextInt(5);
            int count = r.nextInt(4);
            int data = r.nextInt(3) == 0 ? Vfio.IRQ_SET_DATA_NONE : Vfio.IRQ_SET_DATA_EVENTFD;
            b = ByteBuffer.allocate(20)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putInt(20)
                    .putInt(data | Vfio.IRQ_SET_ACTION_TRIGGER)
                    .putInt(index)
                    .putInt(r.nextInt(3))
                    .putInt(count);
        }
        byte[] payload = b.array();
        if (r.nextInt(4) == 0) {
            payload[r.nextInt(payload.length)] ^= (byte) (1 << r.nextInt(8));
        }
        return MessageGenerator.withHeader(id, command, Header.TYPE_COMMAND, 0, payload);
    }
}
