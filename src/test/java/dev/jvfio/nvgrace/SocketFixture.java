package dev.jvfio.nvgrace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvfio.client.VfioUserClient;
import dev.jvfio.client.VfioUserException;
import dev.jvfio.device.Vfio;
import dev.jvfio.profile.DeviceProfiles;
import dev.jvfio.profile.GpuOptions;
import dev.jvfio.profile.GpuProfile;
import dev.jvfio.server.ServerOptions;
import dev.jvfio.server.VfioUserServer;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * What the socket tests of the variant share: a GPU device served by {@link VfioUserServer} over a
 * real UNIX socket and driven by the Java {@link VfioUserClient}, small sparse memories, an
 * injected clock for readiness (NV-7), and config-space helpers for the emulated BARs (NV-3).
 */
abstract class SocketFixture {
    static final long MiB = 1L << 20;
    static final long GiB = 1L << 30;
    static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final int CFG = Vfio.PCI_CONFIG_REGION_INDEX;
    /** usemem 1.5 GiB in a 2 GiB BAR4, resmem 1.25 GiB in a 2 GiB BAR2. */
    static final long SMALL = 2 * GiB + 768 * MiB;

    static final long USE_LEN = 1536 * MiB;
    static final long RES_LEN = 1280 * MiB;

    final FakeTime time = new FakeTime();
    Path dir;
    NvGraceGpuDevice dev;
    VfioUserServer server;
    VfioUserClient client;

    @BeforeEach
    void dir() throws Exception {
        dir = Files.createTempDirectory(Path.of("/tmp"), "jv");
    }

    @AfterEach
    void stop() throws Exception {
        closeAll();
        Files.deleteIfExists(dir.resolve("s"));
        Files.deleteIfExists(dir);
    }

    void closeAll() {
        if (client != null) {
            client.close();
            client = null;
        }
        if (server != null) {
            server.close();
            server = null;
        }
        if (dev != null) {
            dev.close();
            dev = null;
        }
    }

    void serve(GpuProfile p, GpuOptions o) throws Exception {
        closeAll();
        dev = DeviceProfiles.createGpu(p, o.withProfile(p.profileName()), time, time);
        server = VfioUserServer.start(dir.resolve("s"), dev, ServerOptions.defaults());
        client = VfioUserClient.connect(dir.resolve("s"));
    }

    void gh200(GpuOptions o) throws Exception {
        serve(GpuProfile.GH200, o.withMemorySize(SMALL));
    }

    void reconnect() throws Exception {
        client.close();
        for (int i = 0; i < 3000 && server.clientAttached(); i++) { // up to 30 s on a loaded machine
            Thread.sleep(10);
        }
        client = VfioUserClient.connect(dir.resolve("s"));
    }

    int cfg32(int off) throws Exception {
        return MemorySegment.ofArray(client.read(CFG, off, 4)).get(LE32, 0);
    }

    int cfgWrite32(int off, int v) throws Exception {
        byte[] b = new byte[4];
        MemorySegment.ofArray(b).set(LE32, 0, v);
        return client.write(CFG, off, b);
    }

    long bar64(int off) throws Exception {
        return MemorySegment.ofArray(client.read(CFG, off, 8)).get(LE64, 0);
    }

    void sizeBar(int off) throws Exception {
        cfgWrite32(off, -1);
        cfgWrite32(off + 4, -1);
    }

    void memoryEnable(boolean on) throws Exception {
        byte[] cmd = client.read(CFG, 4, 2);
        cmd[0] = (byte) (on ? cmd[0] | 2 : cmd[0] & ~2);
        client.write(CFG, 4, cmd);
    }

    void flr() throws Exception {
        int exp = dev.core().capabilities().find(0x10).orElseThrow();
        byte[] ctl = client.read(CFG, exp + 8, 2);
        ctl[1] |= (byte) 0x80;
        client.write(CFG, exp + 8, ctl);
    }

    int readInto(int region, long off, byte[] out) throws Exception {
        return client.read(region, off, MemorySegment.ofArray(out));
    }

    static void assertErrno(int errno, ThrowingCallable call) {
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(
                        VfioUserException.class, e -> assertThat(e.errno()).isEqualTo(errno));
    }
}
