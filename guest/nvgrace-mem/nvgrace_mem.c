// SPDX-License-Identifier: GPL-2.0
/*
 * nvgrace-mem: online a Grace GPU's coherent memory (BAR4, "usemem") as NUMA memory in the
 * GPU's generic-initiator nodes, without the vendor driver.
 *
 * A jvfio test module for guests (see README.md next to this file and docs/guest-memory.md).
 * Written for the Debian 6.1 kernel of the jvfio e2e guest; not part of the Java product.
 *
 * What it does on probe:
 *   1. enables memory decode and finds BAR4 (the usemem window, a 64-bit prefetchable BAR);
 *   2. learns the usemem length: usemem_size= if given, else the jvfio guest-info registers in
 *      BAR0 (magic at 0xE00000, length at 0xE00008/0xE0000C); refuses without either;
 *   3. refuses if BAR4 is trapped by the VMM (a read costs a round trip to the device server,
 *      e.g. jvfio --memory-enable strict): System RAM that every access has to trap is unusable;
 *   4. finds the GPU's generic-initiator nodes in the SRAT (entries of type 5 whose PCI handle is
 *      this function), or takes node= / the first unused N_GENERIC_INITIATOR nodes;
 *   5. clips [BAR4, BAR4 + usemem) to memory blocks, splits it over `split` nodes and hot-adds
 *      each part with add_memory_driver_managed("System RAM (nvgrace-mem)"). Onlining follows the
 *      system policy (/sys/devices/system/memory/auto_online_blocks, memhp_default_state=): set it
 *      to online_movable first.
 * On remove (unbind, rmmod): offline_and_remove_memory() for each part.
 */
#include <linux/acpi.h>
#include <linux/io.h>
#include <linux/ktime.h>
#include <linux/memory.h>
#include <linux/memory_hotplug.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/nodemask.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <asm/unaligned.h>

#define DRV_NAME "nvgrace-mem"
#define RES_NAME "System RAM (nvgrace-mem)"
#define MAX_PARTS 8

/* jvfio guest-info registers in BAR0 (docs/guest-memory.md, dev.jvfio.hw.GuestInfoRegisters). */
#define GUEST_INFO_BASE 0xE00000
#define GUEST_INFO_MAGIC 0x0        /* reads GUEST_INFO_MAGIC_VALUE */
#define GUEST_INFO_USEMEM_LO 0x8    /* usemem length, bytes, low 32 bits */
#define GUEST_INFO_USEMEM_HI 0xC    /* high 32 bits */
#define GUEST_INFO_MAGIC_VALUE 0x6d666a76 /* "vjfm" little-endian: 'v' 'j' 'f' 'm' */
#define GUEST_INFO_LEN 0x10

#define USEMEM_BAR 4
#define TRAP_SAMPLES 33

static ulong usemem_size;
module_param(usemem_size, ulong, 0444);
MODULE_PARM_DESC(usemem_size, "usemem length in bytes (default: from the jvfio BAR0 guest-info registers)");

static int node = NUMA_NO_NODE;
module_param(node, int, 0444);
MODULE_PARM_DESC(node, "first node to use (default: the GPU's first generic-initiator node from the SRAT)");

static uint split = 1;
module_param(split, uint, 0444);
MODULE_PARM_DESC(split, "spread usemem over this many of the GPU's nodes, 1..8 (MIG-like; default 1)");

static uint trap_threshold_ns = 5000;
module_param(trap_threshold_ns, uint, 0444);
MODULE_PARM_DESC(trap_threshold_ns, "median BAR4 read time above which BAR4 counts as trapped (default 5000)");

static bool request_bar4;
module_param(request_bar4, bool, 0444);
MODULE_PARM_DESC(request_bar4, "request BAR4 like an ordinary driver first (shows why the module does not: the hot-add then fails)");

static bool allow_trapped;
module_param(allow_trapped, bool, 0444);
MODULE_PARM_DESC(allow_trapped, "hot-add even if BAR4 looks trapped by the VMM (slow; may hang or kill a guest)");

struct part {
	int nid;
	int pxm; /* -1 when the node did not come from the SRAT */
	u64 start;
	u64 size;
};

struct nvmem {
	struct pci_dev *pdev;
	char *res_name;
	int nparts;
	struct part parts[MAX_PARTS];
};

/* Nodes taken by bound GPUs, for the fallback when the SRAT names no node for a function. */
static nodemask_t claimed_nodes;
static DEFINE_MUTEX(claim_lock);

static const struct pci_device_id nvmem_ids[] = {
	{ PCI_DEVICE(PCI_VENDOR_ID_NVIDIA, 0x2342) }, /* GH200 120GB */
	{ PCI_DEVICE(PCI_VENDOR_ID_NVIDIA, 0x2345) }, /* GH200 480GB */
	{ PCI_DEVICE(PCI_VENDOR_ID_NVIDIA, 0x2348) }, /* GH200 */
	{ PCI_DEVICE(PCI_VENDOR_ID_NVIDIA, 0x2941) }, /* GB200 */
	{ PCI_DEVICE(PCI_VENDOR_ID_NVIDIA, 0x31c2) }, /* GB300 */
	{}
};
MODULE_DEVICE_TABLE(pci, nvmem_ids);

static int read_usemem_size(struct pci_dev *pdev, u64 *len)
{
	void __iomem *regs;
	u32 magic;

	if (usemem_size) {
		*len = usemem_size;
		pci_info(pdev, "usemem length 0x%llx from usemem_size=\n", *len);
		return 0;
	}
	if (pci_resource_len(pdev, 0) < GUEST_INFO_BASE + GUEST_INFO_LEN) {
		pci_err(pdev, "BAR0 too small for the guest-info registers; pass usemem_size=\n");
		return -ENODEV;
	}
	regs = pci_iomap_range(pdev, 0, GUEST_INFO_BASE, GUEST_INFO_LEN);
	if (!regs)
		return -ENOMEM;
	magic = ioread32(regs + GUEST_INFO_MAGIC);
	*len = ioread32(regs + GUEST_INFO_USEMEM_LO) | (u64)ioread32(regs + GUEST_INFO_USEMEM_HI) << 32;
	pci_iounmap(pdev, regs);
	if (magic != GUEST_INFO_MAGIC_VALUE) {
		pci_err(pdev, "no jvfio guest-info registers in BAR0 (magic 0x%08x); pass usemem_size=\n", magic);
		return -ENODEV;
	}
	pci_info(pdev, "usemem length 0x%llx from BAR0 guest-info registers\n", *len);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/*
 * Is BAR4 mapped into the guest (a read is a load from memory) or trapped by the VMM (a read is
 * an exit to the VMM and, for vfio-user, a message to the device server)? The guest cannot ask;
 * it can time it: the median of TRAP_SAMPLES reads spread over one page. Mapped: tens to hundreds
 * of ns even under TCG; trapped: tens of microseconds.
 */
static int probe_trapped(struct pci_dev *pdev, u64 start, u64 *median_ns)
{
	u64 t[TRAP_SAMPLES];
	void __iomem *p;
	int i;

	p = ioremap(start, PAGE_SIZE);
	if (!p)
		return -ENOMEM;
	for (i = 0; i < TRAP_SAMPLES; i++) {
		u64 t0 = ktime_get_ns();

		(void)readl(p + (i * 64) % PAGE_SIZE);
		t[i] = ktime_get_ns() - t0;
	}
	iounmap(p);
	sort(t, TRAP_SAMPLES, sizeof(t[0]), cmp_u64, NULL);
	*median_ns = t[TRAP_SAMPLES / 2];
	return 0;
}

/*
 * The generic-initiator nodes whose SRAT entry names this PCI function (segment, bus, devfn), in
 * ascending proximity-domain order (the order the VMM and the vendor driver count MIG instances in;
 * Linux numbers nodes in the order it meets their domains in the SRAT, so node ids can be a
 * permutation of the domains). Linux 6.1 parses those entries at boot (they create the nodes and
 * set N_GENERIC_INITIATOR) but keeps no device link, so read the table again.
 */
static int srat_nodes(struct pci_dev *pdev, int *nodes, int *pxms, int max)
{
	struct acpi_table_header *tbl;
	u16 seg = pci_domain_nr(pdev->bus);
	u8 *p, *end;
	int n = 0, i, j;

	if (acpi_disabled || ACPI_FAILURE(acpi_get_table(ACPI_SIG_SRAT, 0, &tbl)))
		return 0;
	p = (u8 *)tbl + sizeof(struct acpi_table_srat);
	end = (u8 *)tbl + tbl->length;
	while (p + sizeof(struct acpi_subtable_header) <= end) {
		struct acpi_subtable_header *h = (void *)p;
		struct acpi_srat_generic_affinity *gi = (void *)p;

		if (h->length < sizeof(*h) || p + h->length > end)
			break;
		if (h->type == ACPI_SRAT_TYPE_GENERIC_AFFINITY && h->length >= sizeof(*gi))
			pci_dbg(pdev, "SRAT generic initiator: pxm %u type %u handle %*ph flags %#x\n",
				gi->proximity_domain, gi->device_handle_type, 4, gi->device_handle, gi->flags);
		if (h->type == ACPI_SRAT_TYPE_GENERIC_AFFINITY && h->length >= sizeof(*gi) &&
		    (gi->flags & ACPI_SRAT_GENERIC_AFFINITY_ENABLED) &&
		    gi->device_handle_type == 1 /* PCI */ &&
		    get_unaligned_le16(&gi->device_handle[0]) == seg &&
		    /* ACPI 6.3 table 5-80: byte 2 is the bus, byte 3 the device/function (not a LE u16) */
		    gi->device_handle[2] == pdev->bus->number && gi->device_handle[3] == pdev->devfn) {
			int nid = pxm_to_node(gi->proximity_domain);

			if (nid != NUMA_NO_NODE && n < max) {
				pxms[n] = gi->proximity_domain;
				nodes[n++] = nid;
			}
		}
		p += h->length;
	}
	acpi_put_table(tbl);
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && pxms[j - 1] > pxms[j]; j--) {
			swap(pxms[j - 1], pxms[j]);
			swap(nodes[j - 1], nodes[j]);
		}
	return n;
}

/* Fallback: the first generic-initiator nodes no other bound GPU uses. */
static int unclaimed_gi_nodes(int *nodes, int *pxms, int max)
{
	int nid, n = 0;

	for_each_node_state(nid, N_GENERIC_INITIATOR) {
		if (n < max && !node_isset(nid, claimed_nodes)) {
			pxms[n] = -1;
			nodes[n++] = nid;
		}
	}
	return n;
}

static void remove_parts(struct nvmem *m)
{
	int i, rc;

	for (i = m->nparts - 1; i >= 0; i--) {
		struct part *pt = &m->parts[i];

		rc = offline_and_remove_memory(pt->start, pt->size);
		if (rc) {
			/* The memory stays in the system; keep the resource name alive with it. */
			pci_err(m->pdev, "node %d: cannot offline/remove [%#llx-%#llx]: %d; memory stays online\n",
				pt->nid, pt->start, pt->start + pt->size - 1, rc);
			m->res_name = NULL;
		} else {
			pci_info(m->pdev, "node %d: removed [%#llx-%#llx]\n", pt->nid, pt->start,
				 pt->start + pt->size - 1);
		}
		mutex_lock(&claim_lock);
		node_clear(pt->nid, claimed_nodes);
		mutex_unlock(&claim_lock);
	}
	m->nparts = 0;
}

static int nvmem_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	int nodes[MAX_NUMNODES < 64 ? MAX_NUMNODES : 64], pxms[ARRAY_SIZE(nodes)];
	u64 bar, barlen, len, block, start, end, each, median;
	int nnodes, want, i, rc;
	bool bar4_requested = false;
	const char *how;
	struct nvmem *m;

	rc = pcim_enable_device(pdev); /* sets memory decode: QEMU unmaps BARs while it is off */
	if (rc)
		return rc;
	if (!(pci_resource_flags(pdev, USEMEM_BAR) & IORESOURCE_MEM) || !pci_resource_start(pdev, USEMEM_BAR)) {
		pci_err(pdev, "BAR4 (usemem) is not an assigned memory BAR\n");
		return -ENODEV;
	}
	bar = pci_resource_start(pdev, USEMEM_BAR);
	barlen = pci_resource_len(pdev, USEMEM_BAR);
	rc = read_usemem_size(pdev, &len);
	if (rc)
		return rc;
	if (!len) {
		pci_err(pdev, "usemem length is 0: the GPU has no usable memory\n");
		return -ENODEV;
	}
	if (len > barlen) {
		pci_warn(pdev, "usemem length 0x%llx exceeds BAR4 (0x%llx); clipping\n", len, barlen);
		len = barlen;
	}

	rc = probe_trapped(pdev, bar, &median);
	if (rc)
		return rc;
	if (median > trap_threshold_ns) {
		if (!allow_trapped) {
			pci_err(pdev, "refusing: BAR4 is trapped by the VMM, not mapped (median read %llu ns > %u ns; "
				"e.g. jvfio --memory-enable strict): every access to it as System RAM would be a "
				"round trip to the device server\n", median, trap_threshold_ns);
			return -EOPNOTSUPP;
		}
		pci_warn(pdev, "BAR4 looks trapped (median read %llu ns) but allow_trapped=1: going on\n", median);
	} else {
		pci_info(pdev, "BAR4 is mapped (median read %llu ns)\n", median);
	}

	/* add_memory_driver_managed() takes whole memory blocks only. */
	block = memory_block_size_bytes();
	start = ALIGN(bar, block);
	end = ALIGN_DOWN(bar + len, block);
	if (end <= start) {
		pci_err(pdev, "usemem [%#llx-%#llx] holds no whole %llu MiB memory block\n", bar, bar + len - 1,
			block >> 20);
		return -EINVAL;
	}
	if (start != bar || end != bar + len)
		pci_warn(pdev, "usemem [%#llx-%#llx] clipped to memory blocks: [%#llx-%#llx]\n", bar, bar + len - 1,
			 start, end - 1);

	mutex_lock(&claim_lock);
	nnodes = srat_nodes(pdev, nodes, pxms, ARRAY_SIZE(nodes));
	how = "SRAT generic initiator";
	if (!nnodes) {
		nnodes = unclaimed_gi_nodes(nodes, pxms, ARRAY_SIZE(nodes));
		how = "first unclaimed generic-initiator node (SRAT names none for this function)";
	}
	if (node != NUMA_NO_NODE) {
		/* node=N: N and the GPU's nodes after it, else N and the nodes numbered after it */
		int k = 0, j;

		for (j = 0; j < nnodes && nodes[j] != node; j++)
			;
		if (j == nnodes) {
			for (k = 0; k < MAX_PARTS; k++) {
				nodes[k] = node + k;
				pxms[k] = -1;
			}
			nnodes = MAX_PARTS;
		} else {
			for (k = 0; j < nnodes; j++, k++) {
				nodes[k] = nodes[j];
				pxms[k] = pxms[j];
			}
			nnodes = k;
		}
		how = "node= parameter";
	}
	mutex_unlock(&claim_lock);
	if (!nnodes) {
		pci_err(pdev, "no generic-initiator node for this GPU and none unclaimed; pass node=\n");
		return -ENODEV;
	}
	want = clamp_t(int, split, 1, MAX_PARTS);
	if (want > nnodes) {
		pci_warn(pdev, "split=%u but only %d node(s) for this GPU; using %d\n", split, nnodes, nnodes);
		want = nnodes;
	}
	each = ALIGN_DOWN((end - start) / want, block);
	if (!each) {
		pci_warn(pdev, "too little memory to split %d ways; using one node\n", want);
		want = 1;
		each = end - start;
	}

	m = devm_kzalloc(&pdev->dev, sizeof(*m), GFP_KERNEL);
	if (!m)
		return -ENOMEM;
	m->pdev = pdev;
	/* not devm: must outlive the device if the memory cannot be removed */
	m->res_name = kstrdup(RES_NAME, GFP_KERNEL);
	if (!m->res_name)
		return -ENOMEM;
	pci_info(pdev, "usemem [%#llx-%#llx] into %d node(s) from the %s\n", start, end - 1, want, how);
	if (request_bar4) {
		rc = pci_request_region(pdev, USEMEM_BAR, DRV_NAME);
		if (rc) {
			pci_err(pdev, "request_bar4=1: cannot request BAR4: %d\n", rc);
			goto undo;
		}
		bar4_requested = true;
		pci_warn(pdev, "request_bar4=1: BAR4 requested (busy); the hot-add below is expected to fail\n");
	}

	for (i = 0; i < want; i++) {
		struct part *pt = &m->parts[i];

		pt->nid = nodes[i];
		pt->pxm = pxms[i];
		pt->start = start + i * each;
		pt->size = i == want - 1 ? end - pt->start : each;
		if (pt->nid < 0 || pt->nid >= MAX_NUMNODES || !node_possible(pt->nid)) {
			pci_err(pdev, "node %d does not exist\n", pt->nid);
			rc = -EINVAL;
			goto undo;
		}
		/*
		 * BAR4's resource is not requested (not busy), so the System RAM resource nests
		 * under it in /proc/iomem; with BAR4 requested (busy) this fails with -EEXIST
		 * ("Unable to reserve System RAM region", see request_bar4).
		 */
		rc = add_memory_driver_managed(pt->nid, pt->start, pt->size, m->res_name, MHP_NONE);
		if (rc) {
			pci_err(pdev, "node %d: add_memory_driver_managed([%#llx-%#llx]) failed: %d\n", pt->nid,
				pt->start, pt->start + pt->size - 1, rc);
			goto undo;
		}
		m->nparts = i + 1;
		mutex_lock(&claim_lock);
		node_set(pt->nid, claimed_nodes);
		mutex_unlock(&claim_lock);
		pci_info(pdev, "node %d: added [%#llx-%#llx] (%llu MiB) as " RES_NAME ", PXM %d\n", pt->nid,
			 pt->start, pt->start + pt->size - 1, pt->size >> 20, pt->pxm);
	}
	if (bar4_requested)
		pci_release_region(pdev, USEMEM_BAR);
	pci_set_drvdata(pdev, m);
	return 0;
undo:
	if (bar4_requested)
		pci_release_region(pdev, USEMEM_BAR);
	remove_parts(m);
	kfree(m->res_name);
	return rc;
}

static void nvmem_remove(struct pci_dev *pdev)
{
	struct nvmem *m = pci_get_drvdata(pdev);

	if (!m)
		return;
	remove_parts(m);
	kfree(m->res_name); /* NULL (leaked on purpose) if some memory could not be removed */
}

static struct pci_driver nvmem_driver = {
	.name = DRV_NAME,
	.id_table = nvmem_ids,
	.probe = nvmem_probe,
	.remove = nvmem_remove,
};
module_pci_driver(nvmem_driver);

MODULE_DESCRIPTION("Online a Grace GPU's coherent memory (BAR4) as NUMA memory in its generic-initiator nodes (jvfio test module)");
MODULE_LICENSE("GPL");
