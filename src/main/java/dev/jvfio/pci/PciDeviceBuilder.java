package dev.jvfio.pci;

import static dev.jvfio.pci.PciHeader.*;

import dev.jvfio.devicestate.MemoryImage;
import dev.jvfio.os.EventFd;
import dev.jvfio.os.Fd;
import dev.jvfio.os.PageSize;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Builds a {@link VfioPciDevice} (get one from {@link VfioPciDevice#builder}) from declared header
 * fields, BARs and capabilities, or from a template dump (PCI-7.x): lays out the config space, its
 * writable and write-1-to-clear bits and its power-on values (PCI-5.2). Capabilities are laid out from
 * 0x40 (standard) and 0x100 (extended) in the order given.
 */
public final class PciDeviceBuilder {
    private final String name;
    private int vendor = 0xFFFF;
    private int device = 0xFFFF;
    private int subVendor;
    private int subDevice;
    private int revision;
    private int classCode;
    private int intxPin;
    private Integer configSize;
    private byte[] template;
    private PciRom rom;
    private final List<PciBar> bars = new ArrayList<>();
    private final List<Capability> capabilities = new ArrayList<>();
    private final List<ExtendedCapability> extended = new ArrayList<>();
    private final List<long[]> writable = new ArrayList<>();
    private final List<long[]> w1c = new ArrayList<>();
    private InterruptSignal signal = PciDeviceBuilder::eventfdSignal;
    private PageSize pageSize = PageSize.system();
    private PciStates.Migratable migratable;

    PciDeviceBuilder(String name) {
        this.name = Objects.requireNonNull(name);
    }

    private static void eventfdSignal(Fd fd) throws IOException {
        EventFd.signal(fd);
    }

    public PciDeviceBuilder ids(int vendorId, int deviceId) {
        this.vendor = vendorId & 0xFFFF;
        this.device = deviceId & 0xFFFF;
        return this;
    }

    public PciDeviceBuilder subsystem(int subsystemVendorId, int subsystemId) {
        this.subVendor = subsystemVendorId & 0xFFFF;
        this.subDevice = subsystemId & 0xFFFF;
        return this;
    }

    public PciDeviceBuilder revision(int rev) {
        this.revision = rev & 0xFF;
        return this;
    }

    /** The 24-bit class code: base class, subclass, programming interface (0x030200 = 3D controller). */
    public PciDeviceBuilder classCode(int code) {
        this.classCode = code & 0xFF_FFFF;
        return this;
    }

    /** INTx pin: 0 none, 1..4 = INTA..INTD. */
    public PciDeviceBuilder intxPin(int pin) {
        if (pin < 0 || pin > 4) {
            throw new IllegalArgumentException("INTx pin 0..4: " + pin);
        }
        this.intxPin = pin;
        return this;
    }

    /** 256 or 4096; by default 4096 when a PCI Express or extended capability is declared, else 256. */
    public PciDeviceBuilder configSize(int size) {
        this.configSize = size;
        return this;
    }

    /**
     * Starts from a real dump (256 or 4096 bytes, PCI-7.1): ids, class, capabilities come from it;
     * the declared BARs replace its BAR registers; standard writable bits are derived from its
     * capabilities, and {@link #writable}/{@link #w1c} add more. Header fields set on this builder
     * are ignored when a template is given.
     */
    public PciDeviceBuilder template(byte[] image) {
        if (image.length != ConfigSpace.LEGACY_SIZE && image.length != ConfigSpace.EXTENDED_SIZE) {
            throw new IllegalArgumentException("template must be 256 or 4096 bytes");
        }
        this.template = image.clone();
        return this;
    }

    public PciDeviceBuilder bar(PciBar bar) {
        bars.add(bar);
        return this;
    }

    public PciDeviceBuilder rom(PciRom r) {
        this.rom = r;
        return this;
    }

    public PciDeviceBuilder capability(Capability c) {
        capabilities.add(c);
        return this;
    }

    public PciDeviceBuilder extendedCapability(ExtendedCapability c) {
        extended.add(c);
        return this;
    }

    /** Adds guest-writable bits (the template's "table of writable bits"). */
    public PciDeviceBuilder writable(int offset, int width, long mask) {
        writable.add(new long[] {offset, width, mask});
        return this;
    }

    public PciDeviceBuilder w1c(int offset, int width, long mask) {
        w1c.add(new long[] {offset, width, mask});
        return this;
    }

    /** How interrupts reach eventfds (tests may count instead). */
    public PciDeviceBuilder signal(InterruptSignal s) {
        this.signal = Objects.requireNonNull(s);
        return this;
    }

    /** The config space alone (for models below VFIO, e.g. simulated hardware). */
    public ConfigSpace buildConfigSpace() {
        ConfigSpace cs = template != null ? fromTemplate() : fresh();
        boolean[] used = new boolean[6];
        for (PciBar b : bars) {
            for (int i = 0; i < b.slots(); i++) {
                if (used[b.index() + i]) {
                    throw new IllegalArgumentException("BAR slot " + (b.index() + i) + " declared twice");
                }
                used[b.index() + i] = true;
            }
        }
        for (int i = 0; i < 6; i++) {
            cs.set32(BAR0 + 4 * i, 0);
            cs.replaceWritable(BAR0 + 4 * i, 4, 0);
        }
        for (PciBar b : bars) {
            int at = BAR0 + 4 * b.index();
            cs.set32(at, b.flagBits());
            cs.replaceWritable(at, 4, b.lowWritableMask() & 0xFFFF_FFFFL);
            if (b.kind() == BarKind.MEM64) {
                cs.replaceWritable(at + 4, 4, b.highWritableMask() & 0xFFFF_FFFFL);
            }
        }
        cs.set32(ROM_ADDRESS, 0);
        cs.replaceWritable(ROM_ADDRESS, 4, rom == null ? 0 : rom.writableMask() & 0xFFFF_FFFFL);
        CapabilityMap map = CapabilityMap.scan(cs);
        CapabilityMasks.apply(cs, map);
        checkMsix(map, cs);
        for (long[] w : writable) {
            cs.setWritable((int) w[0], (int) w[1], w[2]);
        }
        for (long[] w : w1c) {
            cs.setW1c((int) w[0], (int) w[1], w[2]);
        }
        normalizePowerOn(cs, map);
        cs.capturePowerOn();
        return cs;
    }

    /**
     * The host page size mmap-able areas are cut to (default: {@link PageSize#system()}).
     *
     * @param p the page size
     * @return this builder
     */
    public PciDeviceBuilder pageSize(PageSize p) {
        this.pageSize = Objects.requireNonNull(p);
        return this;
    }

    /**
     * Declares the function migratable ({@link VfioPciDevice#migration()}): its state is the core's
     * and the sections its device models add ({@link VfioPciDevice#addStateSection}), plus
     * {@code memory} (null for none) streamed by its populated extents. Only a model whose whole
     * state is in those sections may say so.
     *
     * @param profile names the model in the stream's header; a destination of another profile refuses it
     * @param memory  the device's memory, or null
     * @return this builder
     */
    public PciDeviceBuilder migratable(String profile, MemoryImage memory) {
        this.migratable = new PciStates.Migratable(Objects.requireNonNull(profile, "profile"), memory);
        return this;
    }

    public VfioPciDevice build() {
        ConfigSpace cs = buildConfigSpace();
        return new VfioPciDevice(name, cs, bars, rom, signal, pageSize, migratable);
    }

    private ConfigSpace fromTemplate() {
        ConfigSpace cs = ConfigSpace.create(template.length);
        cs.set(0, template);
        return cs;
    }

    private ConfigSpace fresh() {
        boolean express = capabilities.stream().anyMatch(c -> c instanceof Capability.PciExpress);
        int size = configSize != null
                ? configSize
                : (express || !extended.isEmpty() ? ConfigSpace.EXTENDED_SIZE : ConfigSpace.LEGACY_SIZE);
        ConfigSpace cs = ConfigSpace.create(size);
        cs.set16(VENDOR_ID, vendor);
        cs.set16(DEVICE_ID, device);
        cs.set8(REVISION_ID, revision);
        cs.set8(CLASS_PROG, classCode);
        cs.set16(CLASS_DEVICE, classCode >>> 8);
        cs.set16(SUBSYSTEM_VENDOR_ID, subVendor);
        cs.set16(SUBSYSTEM_ID, subDevice);
        cs.set8(INTERRUPT_PIN, intxPin);
        int at = 0x40;
        int prev = CAPABILITY_LIST;
        for (Capability c : capabilities) {
            int len = (c.length() + 3) & ~3;
            if (at + len > 0x100) {
                throw new IllegalArgumentException("standard capabilities do not fit below 0x100");
            }
            cs.set8(prev, at);
            cs.set8(at, c.id());
            c.writeBody(cs, at);
            prev = at + 1;
            at += len;
        }
        if (!capabilities.isEmpty()) {
            cs.set16(STATUS, STATUS_CAP_LIST);
        }
        if (!extended.isEmpty()) {
            if (size != ConfigSpace.EXTENDED_SIZE) {
                throw new IllegalArgumentException("extended capabilities need a 4 KiB config space");
            }
            int eat = EXT_CAP_START;
            for (int i = 0; i < extended.size(); i++) {
                ExtendedCapability c = extended.get(i);
                int len = (c.length() + 3) & ~3;
                int next = i + 1 < extended.size() ? eat + len : 0;
                if (eat + len > size || next > 0xFFC) {
                    throw new IllegalArgumentException("extended capabilities do not fit in 4 KiB");
                }
                cs.set32(eat, c.id() | (c.version() & 0xF) << 16 | next << 20);
                c.writeBody(cs, eat);
                eat += len;
            }
        }
        return cs;
    }

    private void checkMsix(CapabilityMap map, ConfigSpace cs) {
        int at = map.find(CAP_ID_MSIX).orElse(-1);
        if (at < 0) {
            return;
        }
        int n = (cs.read16(at + 2) & 0x7FF) + 1;
        int t = cs.read32(at + 4);
        int p = cs.read32(at + 8);
        checkInBar(t & 7, t & ~7L & 0xFFFF_FFFFL, n * 16L, "MSI-X table");
        checkInBar(p & 7, p & ~7L & 0xFFFF_FFFFL, ((n + 63) / 64) * 8L, "MSI-X PBA");
    }

    private void checkInBar(int bir, long offset, long len, String what) {
        for (PciBar b : bars) {
            if (b.index() == bir) {
                if (!b.kind().isMemory() || offset + len > b.size()) {
                    throw new IllegalArgumentException(what + " does not fit in memory BAR " + bir);
                }
                return;
            }
        }
        throw new IllegalArgumentException(what + " lives in BAR " + bir + ", which is not declared");
    }

    /** Power-on values: decode off, no interrupt, MSI/MSI-X disabled, D0, no FLR in progress (PCI-5.2). */
    private static void normalizePowerOn(ConfigSpace cs, CapabilityMap map) {
        cs.set16(COMMAND, 0);
        cs.setBits16(STATUS, STATUS_INTERRUPT | STATUS_W1C, false);
        cs.set8(INTERRUPT_LINE, 0);
        map.find(CAP_ID_PM).ifPresent(at -> cs.setBits16(at + 4, 0x8103, false));
        map.find(CAP_ID_MSI).ifPresent(at -> {
            cs.setBits16(at + 2, 0x0071, false);
            int ctrl = cs.read16(at + 2);
            boolean is64 = (ctrl & 0x80) != 0;
            int data = at + (is64 ? 12 : 8);
            cs.set32(at + 4, 0);
            if (is64) {
                cs.set32(at + 8, 0);
            }
            cs.set16(data, 0);
            if ((ctrl & 0x100) != 0) {
                cs.set32(data + 4, 0); // mask bits
                cs.set32(data + 8, 0); // pending bits
            }
        });
        map.find(CAP_ID_MSIX).ifPresent(at -> cs.setBits16(at + 2, 0xC000, false));
        map.find(CAP_ID_EXP).ifPresent(at -> {
            cs.setBits16(at + 8, 0x8000, false);
            cs.setBits16(at + 10, 0x000F, false);
        });
    }
}
