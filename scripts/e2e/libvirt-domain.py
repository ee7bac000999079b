#!/usr/bin/env python3
"""The guest suite's libvirt domain: `jvfio qemu-args --libvirt` output plus only what this
environment needs. Reads the generated domain on stdin, writes the domain to boot on stdout.

Usage: libvirt-domain.py NAME EMULATOR KERNEL INITRD CMDLINE CONSOLE_FILE TEST_SCRIPT < generated.xml

What it changes, and why (nothing else is touched: memoryBacking, vcpu, the cpu topology and NUMA
cells and every <qemu:arg> stay as generated):
  - <name>: one per domain of the run;
  - <domain type='qemu'> and <cpu mode='maximum'>: no KVM here (TCG); the generated <cpu> keeps its
    topology and cells, and gets <maxphysaddr mode='emulate' bits='N'/> with the N the generated
    comment asks for (the 64-bit PCI hole must fit the guest's address width);
  - <os>: direct kernel boot of the test guest (<kernel>, <initrd>, <cmdline>);
  - <devices>: <emulator> (the trixie root's QEMU) and a serial port to a file (the console the
    suite reads);
  - <qemu:commandline>: one more -fw_cfg, the guest's test script (E2E-5).
"""
import re
import sys
import xml.etree.ElementTree as ET

QEMU_NS = "http://libvirt.org/schemas/domain/qemu/1.0"
ET.register_namespace("qemu", QEMU_NS)

name, emulator, kernel, initrd, cmdline, console, script = sys.argv[1:8]
text = sys.stdin.read()
bits = re.search(r"<maxphysaddr mode='emulate' bits='(\d+)'/>", text)
domain = ET.fromstring(text)

domain.set("type", "qemu")
domain.find("name").text = name

os_ = domain.find("os")
for tag, value in (("kernel", kernel), ("initrd", initrd), ("cmdline", cmdline)):
    ET.SubElement(os_, tag).text = value

cpu = domain.find("cpu")
cpu.set("mode", "maximum")
if bits:
    ET.SubElement(cpu, "maxphysaddr", {"mode": "emulate", "bits": bits.group(1)})

devices = domain.find("devices")
ET.SubElement(devices, "emulator").text = emulator
serial = ET.SubElement(devices, "serial", {"type": "file"})
ET.SubElement(serial, "source", {"path": console})
ET.SubElement(serial, "target", {"port": "0"})

cl = domain.find("{%s}commandline" % QEMU_NS)
ET.SubElement(cl, "{%s}arg" % QEMU_NS, {"value": "-fw_cfg"})
ET.SubElement(cl, "{%s}arg" % QEMU_NS, {"value": "name=opt/jvfio/test,file=" + script})

sys.stdout.write(ET.tostring(domain, encoding="unicode") + "\n")
