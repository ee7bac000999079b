/**
 * jvfio as a library: the VFIO device model, the PCI core and the Grace Hopper variant to build
 * devices with, the vfio-user server to serve them and the Java client to drive them.
 *
 * <p>Exported: {@code device} (the {@code vfio_device_ops} contract), {@code pci} (the PCI core:
 * config space, BARs, capabilities, interrupts, the builder), {@code engine} (the DMA copy engine
 * a device model can embed), {@code devicestate} (the device state stream of live migration), {@code server} (serve a device on a
 * socket), {@code client} (a vfio-user client), {@code os} (the fds and memory those APIs pass
 * around), {@code nvgrace}, {@code hw} and {@code profile} (the Grace Hopper variant, its simulated
 * hardware and GPU profiles), {@code sample} (the sample device). Internal: the wire format
 * ({@code protocol}), sockets ({@code transport}), the downcall linker ({@code linker}), the
 * {@code /proc} readers ({@code procfs}), lspci-style rendering ({@code lspci}), the QEMU/libvirt
 * option model ({@code qemu}), byte sizes ({@code units}), the command line ({@code cli}), the
 * tracing proxy ({@code trace}), the conformance checker ({@code conform}), life under systemd
 * ({@code daemon}), Prometheus metrics ({@code metrics}), the control socket ({@code control}) and
 * its QMP client ({@code qmp}), the fuzzer and the benchmark.
 *
 * <p>Code logs through {@code System.Logger} only. The platform backs it with java.util.logging,
 * which {@code serve} reads (cli.LogBridge) to put every record in its own rate-limited log.
 */
module dev.jvfio {
    requires java.logging;
    requires java.management;
    // sun.misc.Signal: SIGUSR1 flushes device memory files; serve's own SIGTERM/SIGINT handling (a
    // graceful unplug first, a second signal stops at once)
    requires jdk.unsupported;
    requires info.picocli;
    requires com.fasterxml.jackson.databind;
    requires jdk.httpserver;
    requires io.prometheus.metrics.core;
    requires io.prometheus.metrics.model;
    requires io.prometheus.metrics.exporter.httpserver;

    exports dev.jvfio.device;
    exports dev.jvfio.pci;
    exports dev.jvfio.engine;
    exports dev.jvfio.devicestate;
    exports dev.jvfio.server;
    exports dev.jvfio.client;
    exports dev.jvfio.os;
    exports dev.jvfio.nvgrace;
    exports dev.jvfio.hw;
    exports dev.jvfio.profile;
    exports dev.jvfio.sample;

    // picocli builds commands and sets options by reflection; Jackson writes the bench report.
    opens dev.jvfio.cli to
            info.picocli;
    opens dev.jvfio.bench to
            com.fasterxml.jackson.databind;
}
