package dev.jvfio.fuzz;

import dev.jvfio.client.VfioUserClient;
import dev.jvfio.device.DeviceInfo;
import dev.jvfio.device.Vfio;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

/**
 * The well-behaved client on another device of the fuzzed process: writes random bytes to device
 * memory (BAR4) and config scratch, reads them back, and checks device info and ids stay put. Any
 * wrong answer, error or hang-up is a failure: a hostile client of one device must not disturb
 * the others.
 */
final class Probe implements Runnable {
    /** Only the first bytes of BAR4 are touched, so the sparse memory stays small. */
    private static final long SPAN = 4L << 20;

    private final Path socket;
    private final Random r;
    private final FuzzReport.Builder report;
    private volatile boolean stop;

    Probe(Path socket, long seed, FuzzReport.Builder report) {
        this.socket = socket;
        this.r = new Random(seed);
        this.report = report;
    }

    void stop() {
        stop = true;
    }

    @Override
    public void run() {
        try (VfioUserClient c = VfioUserClient.connect(socket)) {
            DeviceInfo info = c.deviceInfo();
            byte[] ids = c.read(Vfio.PCI_CONFIG_REGION_INDEX, 0, 4);
            int round = 0;
            do {
                long offset = r.nextLong(SPAN - 64);
                byte[] data = new byte[1 + r.nextInt(64)];
                r.nextBytes(data);
                c.write(Vfio.PCI_BAR4_REGION_INDEX, offset, data);
                byte[] back = c.read(Vfio.PCI_BAR4_REGION_INDEX, offset, data.length);
                if (!Arrays.equals(back, data)) {
                    report.failure("probe: BAR4 at 0x" + Long.toHexString(offset) + " read back differently");
                    return;
                }
                if (round++ % 16 == 0) {
                    if (!c.deviceInfo().equals(info)
                            || !Arrays.equals(c.read(Vfio.PCI_CONFIG_REGION_INDEX, 0, 4), ids)) {
                        report.failure("probe: device info or ids changed");
                        return;
                    }
                }
                report.probeCheck();
            } while (!stop);
        } catch (Exception e) {
            report.failure("probe client on the other device failed: " + e);
        }
    }
}
