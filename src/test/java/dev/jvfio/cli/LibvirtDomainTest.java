package dev.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jvfio.qemu.ShellWords;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * {@code jvfio qemu-args --libvirt} (NV-8): its output is a well-formed libvirt domain whose
 * memoryBacking, vCPU topology, NUMA cells and {@code <qemu:commandline>} add up to what
 * {@code qemu-args} prints for QEMU directly.
 */
class LibvirtDomainTest {
    static final String QEMU_NS = "http://libvirt.org/schemas/domain/qemu/1.0";

    static Document parseXml(String text) throws Exception {
        var factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        return factory.newDocumentBuilder().parse(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
    }

    static Element only(Element parent, String name) {
        NodeList list = parent.getElementsByTagName(name);
        assertThat(list.getLength())
                .as("<%s> in <%s>", name, parent.getTagName())
                .isEqualTo(1);
        return (Element) list.item(0);
    }

    /** The {@code <qemu:arg>} values, as qemu-args' tests parse a command line. */
    static QemuArgsCommandTest.Parsed commandline(Document doc) {
        NodeList args = doc.getElementsByTagNameNS(QEMU_NS, "arg");
        StringBuilder words = new StringBuilder();
        for (int i = 0; i < args.getLength(); i++) {
            words.append(ShellWords.quote(((Element) args.item(i)).getAttribute("value")))
                    .append(' ');
        }
        return QemuArgsCommandTest.parse(words.toString());
    }

    @ParameterizedTest(name = "{0} GPU(s), {1}, {2}")
    @CsvSource({"1, flat, q35, 4", "2, grace, q35, 4", "2, grace, virt, 3", "3, flat, q35, 5"})
    @DisplayName(
            "NV-8.2 VU-8.3 qemu-args --libvirt: memfd shared RAM, a socket per NUMA cell, GPU nodes and devices in <qemu:commandline>")
    void domainAddsUp(int gpus, String topology, String machine, int cpus) throws Exception {
        List<String> argv = new ArrayList<>(List.of(
                "qemu-args",
                "--libvirt",
                "--gpus",
                Integer.toString(gpus),
                "--topology",
                topology,
                "--machine",
                machine,
                "--cpus",
                Integer.toString(cpus),
                "--ram",
                "16G"));
        for (int g = 0; g < gpus; g++) {
            argv.add("--socket");
            argv.add("/run/jv'fio&<x>/gpu" + g + ".sock"); // escaping must survive
        }
        CliProcess.Result r = CliProcess.run(argv.toArray(String[]::new));
        assertThat(r.exitCode()).as(r.toString()).isZero();
        Document doc = parseXml(r.out());
        Element domain = doc.getDocumentElement();
        assertThat(domain.getTagName()).isEqualTo("domain");
        assertThat(domain.getAttribute("xmlns:qemu"))
                .as("without xmlns:qemu libvirt drops <qemu:commandline>")
                .isEqualTo(QEMU_NS);

        // VU-8.3: guest RAM shared and passable as fds
        Element backing = only(domain, "memoryBacking");
        assertThat(only(backing, "source").getAttribute("type")).isEqualTo("memfd");
        assertThat(only(backing, "access").getAttribute("mode")).isEqualTo("shared");

        // one socket per CPU+RAM cell; the cells' memory is the domain's
        int cpuNodes = topology.equals("flat") ? 2 : gpus;
        Element cpu = only(domain, "cpu");
        Element topo = only(cpu, "topology");
        int sockets = Integer.parseInt(topo.getAttribute("sockets"));
        int cores = Integer.parseInt(topo.getAttribute("cores"));
        assertThat(sockets).isEqualTo(cpuNodes);
        Element vcpu = only(domain, "vcpu");
        assertThat(Integer.parseInt(vcpu.getTextContent())).isEqualTo(sockets * cores);
        int current = vcpu.hasAttribute("current")
                ? Integer.parseInt(vcpu.getAttribute("current"))
                : Integer.parseInt(vcpu.getTextContent());
        assertThat(current).isEqualTo(cpus);
        NodeList cells = cpu.getElementsByTagName("cell");
        assertThat(cells.getLength()).isEqualTo(cpuNodes);
        long cellMemory = 0;
        for (int i = 0; i < cells.getLength(); i++) {
            Element cell = (Element) cells.item(i);
            assertThat(cell.getAttribute("id")).isEqualTo(Integer.toString(i));
            assertThat(cell.getAttribute("unit")).isEqualTo("MiB");
            Set<Integer> ids = QemuArgsCommandTest.cpuSet(cell.getAttribute("cpus"));
            assertThat(ids)
                    .allSatisfy(
                            c -> assertThat(c / cores).isEqualTo(ids.iterator().next() / cores));
            cellMemory += Long.parseLong(cell.getAttribute("memory"));
        }
        Element memory = only(domain, "memory");
        assertThat(memory.getAttribute("unit")).isEqualTo("MiB");
        assertThat(cellMemory)
                .isEqualTo(Long.parseLong(memory.getTextContent()))
                .isEqualTo(16 * 1024);

        // UEFI on virt: ACPI carries the generic initiators and the pxb-pcie bridges
        Element os = only(domain, "os");
        assertThat(only(os, "type").getAttribute("machine")).isEqualTo(machine);
        if (machine.equals("virt")) assertThat(os.getAttribute("firmware")).isEqualTo("efi");
        only(only(domain, "features"), "acpi");

        // <qemu:commandline>: only QEMU names; memory-less nodes after the cells, 8 per GPU
        QemuArgsCommandTest.Parsed parsed = commandline(doc);
        List<JsonNode> devices = QemuArgsCommandTest.checkNames(parsed);
        assertThat(devices).hasSize(gpus);
        for (int g = 0; g < gpus; g++) {
            assertThat(devices.get(g).get("socket").get("path").asText())
                    .isEqualTo("/run/jv'fio&<x>/gpu" + g + ".sock");
        }
        List<Integer> nodeIds = parsed.numaNodes().stream()
                .map(m -> Integer.parseInt(m.get("nodeid")))
                .toList();
        List<Integer> expected = new ArrayList<>();
        for (int n = cpuNodes; n < cpuNodes + 8 * gpus; n++) expected.add(n);
        assertThat(nodeIds).isEqualTo(expected);
        assertThat(parsed.numaNodes()).allSatisfy(m -> assertThat(m).containsOnlyKeys("type", "nodeid"));
        List<Map<String, String>> gi = parsed.objects("acpi-generic-initiator");
        assertThat(gi).extracting(m -> Integer.parseInt(m.get("node"))).containsExactlyElementsOf(expected);
        List<JsonNode> pxbs = parsed.devices("pxb-pcie");
        assertThat(pxbs).hasSize(topology.equals("grace") ? gpus : 0);
        assertThat(pxbs).allSatisfy(p -> assertThat(p.get("numa_node").asInt()).isLessThan(cpuNodes));
        if (machine.equals("q35")) {
            assertThat(parsed.values("-global")).singleElement().asString().startsWith("q35-pcihost.pci-hole64-size=");
        } else {
            assertThat(parsed.values("-machine")).singleElement().asString().startsWith("highmem-mmio-size=");
        }

        // running as libvirt's QEMU user: the serve options are named on stderr
        assertThat(r.err()).contains("--socket-group").contains("--allow-uid").contains("libvirt-qemu");
    }

    @Test
    @DisplayName("qemu-args --libvirt warns when a socket is under /run/user, which libvirt's QEMU cannot reach")
    void warnsAboutUserRuntimeDir() {
        CliProcess.Result r = CliProcess.run("qemu-args", "--libvirt", "--socket", "/run/user/1000/jvfio/gpu0.sock");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.err()).contains("warning").contains("/run/user");
    }
}
