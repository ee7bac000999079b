package dev.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jvfio.qemu.GpuWindow;
import dev.jvfio.qemu.VmLayout;
import dev.jvfio.units.ByteSize;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code jvfio qemu-args} run as a child process; its output is split like a shell would and every
 * option and property name is checked against the names QEMU's source defines.
 */
class QemuArgsCommandTest {
    /* Option names: qemu-options.hx (DEF("machine"...), DEF("global"...), DEF("m"...), DEF("smp"...),
     * DEF("object"...), DEF("numa"...), DEF("device"...)). */
    static final Set<String> OPTIONS = Set.of("-machine", "-global", "-m", "-smp", "-object", "-numa", "-device");

    /* Properties every device accepts through qdev_device_add (system/qdev-monitor.c: "driver", "bus",
     * "id") and every PCI device (hw/pci/pci.c pci_props: "addr", "multifunction", "romfile", ...). */
    static final Set<String> QDEV_COMMON = Set.of("driver", "bus", "id", "addr", "multifunction", "romfile", "rombar");

    /* hw/vfio-user/pci.c: vfio_user_pci_properties ("x-pci-vendor-id", ..., "x-send-queued",
     * "x-msg-timeout", "x-no-posted-writes") and the class property "socket" (a QAPI SocketAddress). */
    static final Set<String> VFIO_USER_PCI = union(
            QDEV_COMMON,
            Set.of(
                    "socket",
                    "x-pci-vendor-id",
                    "x-pci-device-id",
                    "x-pci-sub-vendor-id",
                    "x-pci-sub-device-id",
                    "x-pci-class-code",
                    "x-send-queued",
                    "x-msg-timeout",
                    "x-no-posted-writes"));

    /* qapi/sockets.json: SocketAddress is a union on "type"; its "unix" branch UnixSocketAddress has "path". */
    static final Set<String> SOCKET_ADDRESS_UNIX = Set.of("type", "path", "abstract", "tight");

    /* hw/pci-bridge/gen_pcie_root_port.c gen_rp_props ("bus-reserve", "io-reserve", "mem-reserve",
     * "pref32-reserve", "pref64-reserve", "x-speed", "x-width") and hw/pci/pcie_port.c
     * (pcie_port_props "port", pcie_slot_props "chassis", "slot", "hotplug"). */
    static final Set<String> PCIE_ROOT_PORT = union(
            QDEV_COMMON,
            Set.of(
                    "bus-reserve",
                    "io-reserve",
                    "mem-reserve",
                    "pref32-reserve",
                    "pref64-reserve",
                    "port",
                    "chassis",
                    "slot",
                    "hotplug"));

    /* hw/pci-bridge/pci_expander_bridge.c pxb_dev_properties: "bus_nr" (uint8, 0 is illegal),
     * "numa_node" (uint16, must be an existing node), "bypass_iommu"; pxb-pcie inherits them from pxb. */
    static final Set<String> PXB_PCIE = union(QDEV_COMMON, Set.of("bus_nr", "numa_node", "bypass_iommu"));

    /* qapi/machine.json SMPConfiguration: "cpus", "drawers", "books", "sockets", "dies", "clusters",
     * "modules", "cores", "threads", "maxcpus" (-smp's implied first key is "cpus"). */
    static final Set<String> SMP =
            Set.of("cpus", "drawers", "books", "sockets", "dies", "clusters", "modules", "cores", "threads", "maxcpus");

    /* backends/hostmem.c ("size", "share", "merge", "dump", "prealloc", "policy", "host-nodes", "reserve")
     * and backends/hostmem-memfd.c ("hugetlb", "hugetlbsize", "seal"); "id" names any -object. */
    static final Set<String> MEMORY_BACKEND_MEMFD = Set.of(
            "qom-type",
            "id",
            "size",
            "share",
            "merge",
            "dump",
            "prealloc",
            "policy",
            "host-nodes",
            "reserve",
            "hugetlb",
            "hugetlbsize",
            "seal");

    /* hw/acpi/pci.c (earlier hw/acpi/acpi_generic_initiator.c), type "acpi-generic-initiator":
     * object_class_property_add_str "pci-dev" and object_class_property_add "node". */
    static final Set<String> ACPI_GENERIC_INITIATOR = Set.of("qom-type", "id", "pci-dev", "node");

    /* qapi/machine.json NumaNodeOptions: "nodeid", "cpus", "mem", "memdev", "initiator"; "type" is
     * the NumaOptions discriminator (implied first key, hw/core/numa.c implied_opt_name "type"). */
    static final Set<String> NUMA_NODE = Set.of("type", "nodeid", "cpus", "mem", "memdev", "initiator");

    /* Machine types: hw/i386/pc_q35.c ("q35" alias), hw/arm/virt.c ("virt" alias); arm virt's
     * "highmem-mmio-size" (object_class_property_add in virt_machine_class_init, QEMU 10.0+). */
    static final Set<String> MACHINE_VIRT = Set.of("type", "highmem-mmio-size", "highmem", "gic-version", "accel");
    static final Set<String> MACHINE_Q35 = Set.of("type", "accel");

    /* -global DRIVER.PROP=VALUE: include/hw/pci-host/q35.h TYPE_Q35_HOST_DEVICE "q35-pcihost" and
     * include/hw/i386/pc.h PCI_HOST_PROP_PCI_HOLE64_SIZE "pci-hole64-size" (mch_props in hw/pci-host/q35.c). */
    static final Set<String> GLOBALS = Set.of("q35-pcihost.pci-hole64-size");

    private static final ObjectMapper JSON = new ObjectMapper();

    record Parsed(List<Map.Entry<String, String>> options) {
        List<String> values(String option) {
            return options.stream()
                    .filter(e -> e.getKey().equals(option))
                    .map(Map.Entry::getValue)
                    .toList();
        }

        List<Map<String, String>> objects(String qomType) {
            return values("-object").stream()
                    .map(v -> keyval(v, "qom-type"))
                    .filter(m -> qomType.equals(m.get("qom-type")))
                    .toList();
        }

        List<Map<String, String>> numaNodes() {
            return values("-numa").stream().map(v -> keyval(v, "type")).toList();
        }

        /** The JSON -devices of one driver. */
        List<JsonNode> devices(String driver) {
            List<JsonNode> out = new ArrayList<>();
            for (String v : values("-device")) {
                JsonNode d = json(v);
                if (driver.equals(d.get("driver").asText())) out.add(d);
            }
            return out;
        }

        Map<String, String> smp() {
            return keyval(values("-smp").getFirst(), "cpus");
        }
    }

    static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }

    static Parsed parse(String stdout) {
        List<String> words = ShellTokens.split(stdout);
        List<Map.Entry<String, String>> opts = new ArrayList<>();
        for (int i = 0; i < words.size(); i += 2) {
            assertThat(OPTIONS).as("option name at word %d", i).contains(words.get(i));
            assertThat(i + 1).as("value of %s", words.get(i)).isLessThan(words.size());
            opts.add(Map.entry(words.get(i), words.get(i + 1)));
        }
        return new Parsed(opts);
    }

    /** QEMU's keyval syntax "implied,key=value,key=value" (no ",," escapes in our output). */
    static Map<String, String> keyval(String text, String impliedKey) {
        Map<String, String> out = new LinkedHashMap<>();
        String[] parts = text.split(",");
        for (int i = 0; i < parts.length; i++) {
            int eq = parts[i].indexOf('=');
            if (i == 0 && eq < 0) {
                out.put(impliedKey, parts[i]);
            } else {
                assertThat(eq).as("key=value in %s", text).isPositive();
                String key = parts[i].substring(0, eq);
                assertThat(out).as("duplicate key %s in %s", key, text).doesNotContainKey(key);
                out.put(key, parts[i].substring(eq + 1));
            }
        }
        return out;
    }

    static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> s = new TreeSet<>(a);
        s.addAll(b);
        return Set.copyOf(s);
    }

    static long size(String qemuSize) {
        return ByteSize.parse(qemuSize).bytes();
    }

    /** Checks every property of every option against QEMU's names; returns the parsed devices. */
    static List<JsonNode> checkNames(Parsed parsed) throws Exception {
        List<JsonNode> gpus = new ArrayList<>();
        for (Map.Entry<String, String> e : parsed.options()) {
            String v = e.getValue();
            switch (e.getKey()) {
                case "-machine" -> {
                    Map<String, String> kv = keyval(v, "type");
                    // no type: properties merged into the machine libvirt chose (QEMU merges -machine options)
                    String type = kv.getOrDefault("type", "virt");
                    assertThat(type).isIn("q35", "virt");
                    assertThat(kv.keySet()).isSubsetOf(type.equals("virt") ? MACHINE_VIRT : MACHINE_Q35);
                    assertThat(kv).doesNotContainKey("memory-backend"); // exclusive with -numa memdev (hw/core/numa.c)
                }
                case "-global" -> assertThat(v.substring(0, v.indexOf('='))).isIn(GLOBALS);
                case "-m" -> assertThat(size(v)).isPositive();
                case "-smp" -> {
                    Map<String, String> kv = keyval(v, "cpus");
                    assertThat(kv.keySet()).isSubsetOf(SMP);
                    assertThat(Integer.parseInt(kv.get("cpus"))).isPositive();
                }
                case "-numa" -> assertThat(keyval(v, "type").keySet()).isSubsetOf(NUMA_NODE);
                case "-object" -> {
                    Map<String, String> kv = keyval(v, "qom-type");
                    switch (kv.get("qom-type")) {
                        case "memory-backend-memfd" -> assertThat(kv.keySet()).isSubsetOf(MEMORY_BACKEND_MEMFD);
                        case "acpi-generic-initiator" -> assertThat(kv.keySet()).isSubsetOf(ACPI_GENERIC_INITIATOR);
                        default -> throw new AssertionError("unexpected object " + v);
                    }
                }
                case "-device" -> {
                    // every -device is JSON, so it composes with libvirt's JSON devices
                    assertThat(v).as("-device %s", v).startsWith("{");
                    JsonNode dev = json(v);
                    switch (dev.get("driver").asText()) {
                        case "vfio-user-pci" -> {
                            assertThat(fieldNames(dev)).isSubsetOf(VFIO_USER_PCI);
                            assertThat(fieldNames(dev.get("socket"))).isSubsetOf(SOCKET_ADDRESS_UNIX);
                            assertThat(dev.get("socket").get("type").asText()).isEqualTo("unix");
                            gpus.add(dev);
                        }
                        case "pcie-root-port" -> {
                            assertThat(fieldNames(dev)).isSubsetOf(PCIE_ROOT_PORT);
                            for (String number : List.of("chassis", "slot", "pref64-reserve")) {
                                assertThat(dev.get(number).isIntegralNumber())
                                        .as("%s is a JSON number in %s", number, v)
                                        .isTrue();
                            }
                        }
                        case "pxb-pcie" -> {
                            assertThat(fieldNames(dev)).isSubsetOf(PXB_PCIE);
                            assertThat(dev.get("bus").asText())
                                    .as("pxb devices attach only to the root bus")
                                    .isEqualTo("pcie.0");
                            assertThat(dev.get("bus_nr").isIntegralNumber()).isTrue();
                            assertThat(dev.get("bus_nr").asInt()).isBetween(1, 255);
                            assertThat(dev.get("numa_node").isIntegralNumber()).isTrue();
                        }
                        default -> throw new AssertionError("unexpected device " + v);
                    }
                }
                default -> throw new AssertionError(e.getKey());
            }
        }
        return gpus;
    }

    static Set<String> fieldNames(JsonNode node) {
        Set<String> names = new TreeSet<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) names.add(it.next());
        return names;
    }

    @ParameterizedTest(name = "{0} GPU(s)")
    @ValueSource(ints = {1, 2, 4})
    @DisplayName("NV-8.2 NV-8.4 NV-8.5 VU-8.2 VU-8.3 qemu-args: QEMU names, NUMA numbering, root ports, windows")
    void nv_8_2_numbering_and_qemu_property_names(int gpus) throws Exception {
        List<String> args =
                new ArrayList<>(List.of("qemu-args", "--gpus", Integer.toString(gpus), "--mem-size", "96G"));
        for (int g = 0; g < gpus; g++) {
            args.add("--socket");
            args.add("/tmp/jv sock's/gpu" + g + ".sock"); // a space and a quote: quoting must survive
        }
        CliProcess.Result r = CliProcess.run(args.toArray(String[]::new));
        assertThat(r.exitCode()).as(r.toString()).isZero();
        Parsed parsed = parse(r.out());
        List<JsonNode> devices = checkNames(parsed);

        // VU-8.2: one vfio-user-pci per socket, JSON syntax, socket as SocketAddress
        assertThat(devices).hasSize(gpus);
        for (int g = 0; g < gpus; g++) {
            assertThat(devices.get(g).get("socket").get("path").asText()).isEqualTo("/tmp/jv sock's/gpu" + g + ".sock");
        }

        // VU-8.3: guest RAM in shared memfd backends that add up to -m
        List<Map<String, String>> ram = parsed.objects("memory-backend-memfd");
        assertThat(ram).isNotEmpty().allSatisfy(m -> assertThat(m.get("share")).isEqualTo("on"));
        long ramTotal = ram.stream().mapToLong(m -> size(m.get("size"))).sum();
        assertThat(ramTotal).isEqualTo(size(parsed.values("-m").getFirst()));

        // NV-8.2: nodes 0..(1 + 8 * gpus), each exactly once, no gaps (QEMU rejects sparse node ids)
        List<Integer> nodeIds = parsed.numaNodes().stream()
                .map(m -> Integer.parseInt(m.get("nodeid")))
                .sorted()
                .toList();
        List<Integer> expectedIds = new ArrayList<>();
        for (int n = 0; n < 2 + 8 * gpus; n++) expectedIds.add(n);
        assertThat(nodeIds).isEqualTo(expectedIds);
        // nodes 0/1 carry the RAM backends; GPU nodes are memory-less
        Set<String> ramIds = new TreeSet<>();
        ram.forEach(m -> ramIds.add(m.get("id")));
        for (Map<String, String> node : parsed.numaNodes()) {
            int id = Integer.parseInt(node.get("nodeid"));
            if (id < 2) assertThat(ramIds).contains(node.get("memdev"));
            else assertThat(node).containsOnlyKeys("type", "nodeid");
        }

        // NV-8.2: GPU g owns nodes 2+8g .. 9+8g through one acpi-generic-initiator each
        List<Map<String, String>> initiators = parsed.objects("acpi-generic-initiator");
        assertThat(initiators).hasSize(8 * gpus);
        for (int g = 0; g < gpus; g++) {
            String devId = devices.get(g).get("id").asText();
            List<Integer> owned = initiators.stream()
                    .filter(m -> devId.equals(m.get("pci-dev")))
                    .map(m -> Integer.parseInt(m.get("node")))
                    .sorted()
                    .toList();
            List<Integer> expected = new ArrayList<>();
            for (int k = 0; k < 8; k++) expected.add(2 + 8 * g + k);
            assertThat(owned).as("nodes of GPU %d", g).isEqualTo(expected);
        }
        assertThat(initiators.stream().map(m -> m.get("id")).distinct().count()).isEqualTo(8L * gpus);

        // NV-8.5: each GPU alone on its own root port, at addr 0
        List<JsonNode> ports = parsed.devices("pcie-root-port");
        assertThat(ports).hasSize(gpus);
        Set<String> portIds = new TreeSet<>();
        Set<String> chassisSlots = new TreeSet<>();
        for (JsonNode p : ports) {
            portIds.add(p.get("id").asText());
            chassisSlots.add(p.get("chassis") + "/" + p.get("slot"));
            assertThat(p.get("bus").asText()).isEqualTo("pcie.0"); // flat: on the main host bridge
        }
        assertThat(portIds).hasSize(gpus);
        assertThat(chassisSlots).as("chassis/slot pairs must be unique").hasSize(gpus);
        Set<String> gpuBuses = new TreeSet<>();
        for (JsonNode d : devices) {
            assertThat(portIds).contains(d.get("bus").asText());
            assertThat(d.get("addr").asText()).isIn("0", "0x0", "0.0");
            gpuBuses.add(d.get("bus").asText());
        }
        assertThat(gpuBuses).hasSize(gpus);

        // NV-8.4: every port's prefetchable window holds a 128 GiB usemem BAR (96G rounded up) + resmem,
        // and the q35 64-bit hole holds all the ports' windows
        long hole = 0;
        for (String g : parsed.values("-global")) {
            if (g.startsWith("q35-pcihost.pci-hole64-size=")) hole = size(g.substring(g.indexOf('=') + 1));
        }
        long sum = 0;
        for (JsonNode p : ports) {
            long reserve = p.get("pref64-reserve").asLong();
            assertThat(reserve).isGreaterThanOrEqualTo(128 * ByteSize.GIB + 2 * ByteSize.GIB);
            sum += reserve;
        }
        assertThat(hole).isGreaterThanOrEqualTo(sum);
    }

    /** CPU id ranges "0-1" or "3" as a set. */
    static Set<Integer> cpuSet(String ranges) {
        Set<Integer> out = new TreeSet<>();
        for (String r : ranges.split(",")) {
            String[] ends = r.split("-");
            int from = Integer.parseInt(ends[0]), to = Integer.parseInt(ends[ends.length - 1]);
            for (int c = from; c <= to; c++) out.add(c);
        }
        return out;
    }

    /**
     * NV-8: every CPU+RAM node's vCPUs lie in one socket of their own (QEMU 11 warns "CPU-0 and
     * CPU-1 in socket-0-cluster-0 have been associated with node-0 and node-1" otherwise), all possible
     * vCPUs belong to a node, and the nodes' RAM adds up to -m.
     */
    static void checkCpuNodes(Parsed parsed, int cpuNodes) {
        Map<String, String> smp = parsed.smp();
        int cpus = Integer.parseInt(smp.get("cpus"));
        int sockets = Integer.parseInt(smp.get("sockets"));
        int cores = Integer.parseInt(smp.get("cores"));
        int threads = Integer.parseInt(smp.getOrDefault("threads", "1"));
        int maxCpus = Integer.parseInt(smp.getOrDefault("maxcpus", smp.get("cpus")));
        assertThat(sockets).isEqualTo(cpuNodes);
        assertThat(sockets * cores * threads)
                .as("sockets * cores * threads = maxcpus")
                .isEqualTo(maxCpus);
        assertThat(maxCpus).isGreaterThanOrEqualTo(cpus);
        List<Map<String, String>> withCpus =
                parsed.numaNodes().stream().filter(m -> m.containsKey("cpus")).toList();
        assertThat(withCpus).hasSize(cpuNodes);
        Set<Integer> socketsSeen = new TreeSet<>();
        Set<Integer> cpusSeen = new TreeSet<>();
        for (Map<String, String> node : withCpus) {
            Set<Integer> nodeSockets = new TreeSet<>();
            for (int cpu : cpuSet(node.get("cpus"))) {
                nodeSockets.add(cpu / (cores * threads)); // QEMU numbers CPUs socket by socket
                assertThat(cpusSeen.add(cpu)).as("cpu %d in one node only", cpu).isTrue();
            }
            assertThat(nodeSockets).as("sockets of node %s", node.get("nodeid")).hasSize(1);
            assertThat(socketsSeen.addAll(nodeSockets)).as("a socket per node").isTrue();
            assertThat(node.get("memdev")).isNotNull();
        }
        assertThat(cpusSeen).hasSize(maxCpus);
        long ramTotal = parsed.objects("memory-backend-memfd").stream()
                .mapToLong(m -> size(m.get("size")))
                .sum();
        assertThat(ramTotal).isEqualTo(size(parsed.values("-m").getFirst()));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(
            strings = {
                "flat 1",
                "flat 3",
                "flat 4",
                "flat 7",
                "grace 2 --gpus 2",
                "grace 3 --gpus 2",
                "grace 8 --gpus 4",
                "grace 4 --gpus 3 --machine virt"
            })
    @DisplayName("qemu-args gives each CPU+RAM NUMA node its own socket (no socket spans two nodes)")
    void eachCpuNodeIsItsOwnSocket(String args) {
        String[] a = args.split(" ");
        List<String> argv = new ArrayList<>(List.of("qemu-args", "--topology", a[0], "--cpus", a[1]));
        argv.addAll(List.of(a).subList(2, a.length));
        CliProcess.Result r = CliProcess.run(argv.toArray(String[]::new));
        assertThat(r.exitCode()).as(r.toString()).isZero();
        Parsed parsed = parse(r.out());
        int gpus = argv.contains("--gpus") ? Integer.parseInt(argv.get(argv.indexOf("--gpus") + 1)) : 1;
        checkCpuNodes(parsed, a[0].equals("flat") ? 2 : gpus);
    }

    @ParameterizedTest(name = "{0} GPU(s) on {1}")
    @CsvSource({"1, q35", "2, q35", "4, q35", "2, virt", "14, q35"})
    @DisplayName(
            "NV-8.2 NV-8.5 qemu-args --topology grace: a CPU+RAM node per GPU, each GPU's root port on a pxb-pcie of its node")
    void graceTopology(int gpus, String machine) throws Exception {
        CliProcess.Result r = CliProcess.run(
                "qemu-args",
                "--topology",
                "grace",
                "--gpus",
                Integer.toString(gpus),
                "--machine",
                machine,
                "--cpus",
                Integer.toString(2 * gpus),
                "--ram",
                "32G");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        Parsed parsed = parse(r.out());
        List<JsonNode> devices = checkNames(parsed);
        assertThat(devices).hasSize(gpus);
        checkCpuNodes(parsed, gpus);

        // nodes 0..gpus-1 CPU+RAM, then 8 memory-less nodes per GPU: gpus + 8g .. gpus + 8g + 7
        List<Integer> nodeIds = parsed.numaNodes().stream()
                .map(m -> Integer.parseInt(m.get("nodeid")))
                .toList();
        List<Integer> expectedIds = new ArrayList<>();
        for (int n = 0; n < gpus + 8 * gpus; n++) expectedIds.add(n);
        assertThat(nodeIds).isEqualTo(expectedIds);
        for (Map<String, String> node : parsed.numaNodes()) {
            if (Integer.parseInt(node.get("nodeid")) >= gpus) assertThat(node).containsOnlyKeys("type", "nodeid");
        }
        List<Map<String, String>> initiators = parsed.objects("acpi-generic-initiator");
        for (int g = 0; g < gpus; g++) {
            String devId = devices.get(g).get("id").asText();
            List<Integer> owned = initiators.stream()
                    .filter(m -> devId.equals(m.get("pci-dev")))
                    .map(m -> Integer.parseInt(m.get("node")))
                    .sorted()
                    .toList();
            List<Integer> expected = new ArrayList<>();
            for (int k = 0; k < 8; k++) expected.add(gpus + 8 * g + k);
            assertThat(owned).as("nodes of GPU %d", g).isEqualTo(expected);
        }

        // GPU g: vfio-user-pci at addr 0 on its own root port, on its own pxb-pcie whose numa_node is g
        Map<String, JsonNode> portsById = new LinkedHashMap<>();
        parsed.devices("pcie-root-port").forEach(p -> portsById.put(p.get("id").asText(), p));
        Map<String, JsonNode> pxbsById = new LinkedHashMap<>();
        parsed.devices("pxb-pcie").forEach(p -> pxbsById.put(p.get("id").asText(), p));
        assertThat(portsById).hasSize(gpus);
        assertThat(pxbsById).hasSize(gpus);
        List<Integer> busNumbers = new ArrayList<>();
        for (int g = 0; g < gpus; g++) {
            JsonNode gpu = devices.get(g);
            assertThat(gpu.get("addr").asText()).isEqualTo("0");
            JsonNode port = portsById.get(gpu.get("bus").asText());
            assertThat(port).as("root port of GPU %d", g).isNotNull();
            JsonNode pxb = pxbsById.get(port.get("bus").asText());
            assertThat(pxb).as("pxb-pcie of GPU %d", g).isNotNull();
            assertThat(pxb.get("numa_node").asInt()).isEqualTo(g);
            // hotplug-capable, or UEFI ignores pref64-reserve and the BARs do not fit behind the pxb
            assertThat(port.has("hotplug"))
                    .as("root port %d keeps QEMU's default hotplug=on", g)
                    .isFalse();
            busNumbers.add(pxb.get("bus_nr").asInt());
        }
        // bus_nr: unique, each pxb keeps its own bus and its root port's secondary bus, all below 256
        List<Integer> sorted = busNumbers.stream().sorted().toList();
        for (int i = 1; i < sorted.size(); i++)
            assertThat(sorted.get(i) - sorted.get(i - 1)).isGreaterThanOrEqualTo(2);
        assertThat(sorted.getLast() + 1).isLessThanOrEqualTo(255);
        // the pxbs come before the devices that use their buses (QEMU creates JSON devices in order)
        List<String> order = parsed.values("-device").stream()
                .map(v -> json(v).get("id").asText())
                .toList();
        for (int g = 0; g < gpus; g++) {
            assertThat(order.indexOf(VmLayout.bridgeId(g))).isLessThan(order.indexOf(VmLayout.portId(g)));
            assertThat(order.indexOf(VmLayout.portId(g))).isLessThan(order.indexOf(VmLayout.deviceId(g)));
        }
    }

    @ParameterizedTest(name = "{0} GPU(s), {1} spare port(s), {2}")
    @CsvSource({"1, 1, flat", "2, 3, flat", "2, 2, grace", "1, 16, flat"})
    @DisplayName(
            "VU-9.4 qemu-args --spare-ports N: N empty hot-pluggable root ports on pcie.0, a GPU window each, in the 64-bit hole and the address width")
    void vu_9_4_sparePorts(int gpus, int spares, String topology) throws Exception {
        String[] base = {"qemu-args", "--gpus", Integer.toString(gpus), "--mem-size", "96G", "--topology", topology};
        CliProcess.Result without = CliProcess.run(base);
        List<String> argv = new ArrayList<>(List.of(base));
        argv.addAll(List.of("--spare-ports", Integer.toString(spares)));
        CliProcess.Result r = CliProcess.run(argv.toArray(String[]::new));
        assertThat(r.exitCode()).as(r.toString()).isZero();
        Parsed parsed = parse(r.out());
        List<JsonNode> devices = checkNames(parsed);
        assertThat(devices).as("spare ports hold no device").hasSize(gpus);

        List<JsonNode> ports = parsed.devices("pcie-root-port");
        assertThat(ports).hasSize(gpus + spares);
        Set<String> used = new TreeSet<>();
        devices.forEach(d -> used.add(d.get("bus").asText()));
        List<JsonNode> spare =
                ports.stream().filter(p -> !used.contains(p.get("id").asText())).toList();
        assertThat(spare)
                .extracting(p -> p.get("id").asText())
                .containsExactlyElementsOf(IntStream.range(0, spares)
                        .mapToObj(i -> "spare" + i + "-port")
                        .toList());
        long perGpu = GpuWindow.perGpu(96 * ByteSize.GIB);
        for (JsonNode p : spare) {
            // pcie.0 refuses hot-plugging (VU-9.4): the spare ports sit on it, the GPU goes into them
            assertThat(p.get("bus").asText()).isEqualTo("pcie.0");
            assertThat(p.get("pref64-reserve").asLong()).isEqualTo(perGpu);
            // BAR0 (16 MiB, non-prefetchable) needs a 32-bit window the firmware would not size for an empty port
            assertThat(p.get("mem-reserve").asLong()).isEqualTo(32 * ByteSize.MIB);
            assertThat(p.has("hotplug")).as("hotplug stays on (QEMU's default)").isFalse();
        }
        Set<String> chassisSlots = new TreeSet<>();
        ports.forEach(p -> chassisSlots.add(p.get("chassis") + "/" + p.get("slot")));
        assertThat(chassisSlots).as("chassis/slot pairs must be unique").hasSize(gpus + spares);

        // the 64-bit hole holds every window, spare ones included, and the address width grows with it
        long hole = size(parsed.values("-global").getFirst().split("=")[1]);
        long holeWithout =
                size(parse(without.out()).values("-global").getFirst().split("=")[1]);
        assertThat(hole).isEqualTo(holeWithout + spares * perGpu).isGreaterThanOrEqualTo((gpus + spares) * perGpu);
        String bits = "phys-bits=" + GpuWindow.q35PhysBits(16 * ByteSize.GIB, gpus + spares, 96 * ByteSize.GIB);
        assertThat(r.err()).contains(bits).contains("device_add").contains("spare0-port");
    }

    @Test
    @DisplayName(
            "VU-9.4 qemu-args --libvirt --spare-ports: the spare ports go into <qemu:commandline>, counted in the hole and maxphysaddr")
    void sparePortsLibvirt() throws Exception {
        CliProcess.Result r = CliProcess.run(
                "qemu-args", "--libvirt", "--spare-ports", "2", "--mem-size", "4G", "--socket", "/run/jvfio/gpu0.sock");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        Parsed parsed = LibvirtDomainTest.commandline(LibvirtDomainTest.parseXml(r.out()));
        checkNames(parsed);
        assertThat(parsed.devices("pcie-root-port"))
                .extracting(p -> p.get("id").asText())
                .containsExactly("gpu0-port", "spare0-port", "spare1-port");
        long perGpu = GpuWindow.perGpu(4 * ByteSize.GIB);
        assertThat(parsed.values("-global"))
                .containsExactly(
                        "q35-pcihost.pci-hole64-size=" + new ByteSize(GpuWindow.q35Hole64(3, 4 * ByteSize.GIB)).qemu());
        assertThat(perGpu).isEqualTo(GpuWindow.MINIMUM);
        assertThat(r.out()).contains("bits='" + GpuWindow.q35PhysBits(16 * ByteSize.GIB, 3, 4 * ByteSize.GIB) + "'");
    }

    @Test
    @DisplayName("qemu-args --topology grace refuses more GPUs than 128 NUMA nodes hold (9 nodes per GPU: 14 at most)")
    void graceTopologyNodeLimit() {
        CliProcess.Result r = CliProcess.run("qemu-args", "--topology", "grace", "--gpus", "15");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("too many GPUs").doesNotContain("Exception");
    }

    @Test
    @DisplayName(
            "qemu-args --qmp PATH adds a QMP socket as the last option (serve --qmp asks QEMU there to unplug); not with --libvirt")
    void qmpSocket() {
        CliProcess.Result r = CliProcess.run("qemu-args", "--qmp", "/run/vm1/qmp.sock");
        assertThat(r.exitCode()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(lines.getLast()).isEqualTo("-qmp unix:/run/vm1/qmp.sock,server=on,wait=off");
        assertThat(lines.get(lines.size() - 2)).endsWith(" \\");
        CliProcess.Result libvirt = CliProcess.run("qemu-args", "--qmp", "/q", "--libvirt");
        assertThat(libvirt.exitCode()).isEqualTo(2);
        assertThat(libvirt.err()).contains("virsh detach-device");
    }

    @Test
    @DisplayName(
            "qemu-args names the TCG options on stderr: -cpu max,phys-bits (q35), -cpu max,pauth-impdef=on and UEFI (virt)")
    void tcgHints() {
        CliProcess.Result q35 = CliProcess.run("qemu-args");
        assertThat(q35.err()).contains("-accel kvm -cpu host").containsPattern("-accel tcg -cpu max,phys-bits=\\d+");
        CliProcess.Result virt = CliProcess.run("qemu-args", "--machine", "virt");
        assertThat(virt.err())
                .contains("-accel kvm -cpu host")
                .contains("-accel tcg -cpu max,pauth-impdef=on -bios /usr/share/qemu-efi-aarch64/QEMU_EFI.fd");
    }

    @Test
    @DisplayName("NV-8.4 qemu-args --machine virt sizes highmem-mmio-size as a power of two >= 512G")
    void nv_8_4_virt_highmem_mmio_size() throws Exception {
        CliProcess.Result r = CliProcess.run("qemu-args", "--machine", "virt", "--gpus", "4", "--mem-size", "144G");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        Parsed parsed = parse(r.out());
        checkNames(parsed);
        Map<String, String> machine = keyval(parsed.values("-machine").getFirst(), "type");
        assertThat(machine.get("type")).isEqualTo("virt");
        long mmio = size(machine.get("highmem-mmio-size"));
        assertThat(Long.bitCount(mmio)).isEqualTo(1);
        assertThat(mmio).isGreaterThanOrEqualTo(4 * 256 * ByteSize.GIB); // 144G -> 256G usemem BAR per GPU
        assertThat(parsed.values("-global")).isEmpty();
    }

    @Test
    @DisplayName("qemu-args defaults to the sockets serve uses ($XDG_RUNTIME_DIR/jvfio/gpuN.sock)")
    void defaultSocketsFollowServe(@TempDir Path dir) throws Exception {
        CliProcess.Result r =
                CliProcess.run(dir, Map.of("XDG_RUNTIME_DIR", dir.toString()), "qemu-args", "--gpus", "2");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        List<JsonNode> devices = checkNames(parse(r.out()));
        assertThat(devices)
                .extracting(d -> d.get("socket").get("path").asText())
                .containsExactly(
                        dir.resolve("jvfio/gpu0.sock").toString(),
                        dir.resolve("jvfio/gpu1.sock").toString());

        CliProcess.Result noXdg = CliProcess.run(dir, Map.of(), "qemu-args");
        assertThat(noXdg.exitCode()).as(noXdg.toString()).isZero();
        assertThat(checkNames(parse(noXdg.out())))
                .extracting(d -> d.get("socket").get("path").asText())
                .containsExactly(dir.toRealPath().resolve("run/gpu0.sock").toString());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(
            strings = {
                "--gpus 0",
                "--gpus 2 --socket /tmp/a.sock",
                "--machine pc",
                "--mem-size lots",
                "--ram 3M",
                "--gpus 16",
                "--frobnicate",
                "--mem-size 100",
                "--profile gb200 --mem-size 256M",
                "--mem-size 2097156K",
                "--cpus 0",
                "--cpus 4097",
                "--machine virt --cpus 513",
                "--ram 3000T",
                "--ram 2048T --gpus 15 --mem-size 64T",
                "--profile sample --mem-size 2G",
                "--spare-ports -1",
                "--spare-ports 17",
                "--spare-ports many",
                "--ram 2048T --mem-size 64T --spare-ports 16"
            })
    @DisplayName("qemu-args rejects bad arguments with a clear message and exit code 2")
    void badArgumentsExitTwo(String args) {
        List<String> argv = new ArrayList<>(List.of("qemu-args"));
        argv.addAll(List.of(args.split(" ")));
        CliProcess.Result r = CliProcess.run(argv.toArray(String[]::new));
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).startsWith("jvfio qemu-args: ").doesNotContain("Exception");
    }
}
