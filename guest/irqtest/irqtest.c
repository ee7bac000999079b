// SPDX-License-Identifier: GPL-2.0
/*
 * irqtest: a test driver for the jvfio sample device (1234:5a31) in the e2e guest.
 *
 * insmod irqtest.ko mode=msix|msi [nvec=N] [ids=sample|gpu]  allocates up to N vectors of that kind (MSI-X: the
 * device has 4; MSI: x86 without interrupt remapping grants one), requests each, enables bus
 * mastering (QEMU drops MSI writes of a function that is not a bus master) and counts interrupts
 * per vector. Files in the device's sysfs directory:
 *   irqtest_counts   interrupts per vector, space-separated ("3 0 0 1")
 *   irqtest_mode     "msix N" or "msi N": the kind and number of vectors granted
 *   irqtest_mask     write a vector index: mask it at the device (MSI-X vector control bit, MSI
 *                    mask bit) through disable_irq; IRQ_DISABLE_UNLAZY makes that immediate rather
 *                    than on the next interrupt, so the device, not Linux, must hold it pending
 *   irqtest_unmask   write a vector index: enable_irq, which clears the mask bit again
 * ids=gpu binds the simulated NVIDIA GPUs (10de:*, 9 MSI-X vectors) instead of the sample device:
 * the DMA check (55-dma-engine.sh) counts the copy engine's completion interrupts with it.
 * The driver claims no BAR: the test script writes the doorbell through the sysfs resource file,
 * which a claimed region would forbid (IO_STRICT_DEVMEM).
 */
#include <linux/atomic.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/module.h>
#include <linux/pci.h>

#define IRQTEST_MAX 32

static char *mode = "msix";
module_param(mode, charp, 0444);
MODULE_PARM_DESC(mode, "msix or msi");
static char *ids = "sample";
module_param(ids, charp, 0444);
MODULE_PARM_DESC(ids, "sample (1234:5a31, default) or gpu (10de:*)");
static int nvec = 4;
module_param(nvec, int, 0444);
MODULE_PARM_DESC(nvec, "vectors to ask for (at most 32)");

struct irqtest {
	struct pci_dev *pdev;
	int nvec;
	bool msix;
	atomic_t counts[IRQTEST_MAX];
	bool masked[IRQTEST_MAX];
	char names[IRQTEST_MAX][16];
	struct mutex lock;
};

static irqreturn_t irqtest_irq(int irq, void *data)
{
	atomic_t *count = data;

	atomic_inc(count);
	return IRQ_HANDLED;
}

static ssize_t irqtest_counts_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct irqtest *t = dev_get_drvdata(dev);
	int i, n = 0;

	for (i = 0; i < t->nvec; i++)
		n += sysfs_emit_at(buf, n, "%s%d", i ? " " : "", atomic_read(&t->counts[i]));
	n += sysfs_emit_at(buf, n, "\n");
	return n;
}
static DEVICE_ATTR_RO(irqtest_counts);

static ssize_t irqtest_mode_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct irqtest *t = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%s %d\n", t->msix ? "msix" : "msi", t->nvec);
}
static DEVICE_ATTR_RO(irqtest_mode);

static ssize_t irqtest_set_mask(struct device *dev, const char *buf, size_t len, bool mask)
{
	struct irqtest *t = dev_get_drvdata(dev);
	unsigned int v;
	int irq, err;

	err = kstrtouint(buf, 0, &v);
	if (err)
		return err;
	if (v >= t->nvec)
		return -EINVAL;
	irq = pci_irq_vector(t->pdev, v);
	if (irq < 0)
		return irq;
	mutex_lock(&t->lock);
	if (mask && !t->masked[v])
		disable_irq(irq);
	else if (!mask && t->masked[v])
		enable_irq(irq);
	t->masked[v] = mask;
	mutex_unlock(&t->lock);
	return len;
}

static ssize_t irqtest_mask_store(struct device *dev, struct device_attribute *attr, const char *buf, size_t len)
{
	return irqtest_set_mask(dev, buf, len, true);
}
static DEVICE_ATTR_WO(irqtest_mask);

static ssize_t irqtest_unmask_store(struct device *dev, struct device_attribute *attr, const char *buf, size_t len)
{
	return irqtest_set_mask(dev, buf, len, false);
}
static DEVICE_ATTR_WO(irqtest_unmask);

static struct attribute *irqtest_attrs[] = {
	&dev_attr_irqtest_counts.attr,
	&dev_attr_irqtest_mode.attr,
	&dev_attr_irqtest_mask.attr,
	&dev_attr_irqtest_unmask.attr,
	NULL,
};
static const struct attribute_group irqtest_group = { .attrs = irqtest_attrs };

static int irqtest_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct irqtest *t;
	unsigned int type;
	int i, n, err;

	if (strcmp(ids, pdev->vendor == 0x10de ? "gpu" : "sample"))
		return -ENODEV;
	if (!strcmp(mode, "msix"))
		type = PCI_IRQ_MSIX;
	else if (!strcmp(mode, "msi"))
		type = PCI_IRQ_MSI;
	else
		return -EINVAL;
	t = devm_kzalloc(&pdev->dev, sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	t->pdev = pdev;
	t->msix = type == PCI_IRQ_MSIX;
	mutex_init(&t->lock);
	err = pcim_enable_device(pdev);
	if (err)
		return err;
	pci_set_master(pdev);
	n = pci_alloc_irq_vectors(pdev, 1, clamp(nvec, 1, IRQTEST_MAX), type);
	if (n < 0)
		return n;
	t->nvec = n;
	for (i = 0; i < n; i++) {
		int irq = pci_irq_vector(pdev, i);

		snprintf(t->names[i], sizeof(t->names[i]), "irqtest-%d", i);
		err = request_irq(irq, irqtest_irq, 0, t->names[i], &t->counts[i]);
		if (err) {
			while (--i >= 0)
				free_irq(pci_irq_vector(pdev, i), &t->counts[i]);
			pci_free_irq_vectors(pdev);
			return err;
		}
		/* disable_irq masks at the device at once instead of at the next interrupt */
		irq_set_status_flags(irq, IRQ_DISABLE_UNLAZY);
	}
	pci_set_drvdata(pdev, t);
	err = sysfs_create_group(&pdev->dev.kobj, &irqtest_group);
	if (err) {
		for (i = 0; i < n; i++)
			free_irq(pci_irq_vector(pdev, i), &t->counts[i]);
		pci_free_irq_vectors(pdev);
		return err;
	}
	dev_info(&pdev->dev, "irqtest: %d %s vectors\n", n, t->msix ? "MSI-X" : "MSI");
	return 0;
}

static void irqtest_remove(struct pci_dev *pdev)
{
	struct irqtest *t = pci_get_drvdata(pdev);
	int i;

	sysfs_remove_group(&pdev->dev.kobj, &irqtest_group);
	for (i = 0; i < t->nvec; i++) {
		int irq = pci_irq_vector(pdev, i);

		if (t->masked[i])
			enable_irq(irq);
		free_irq(irq, &t->counts[i]);
		irq_clear_status_flags(irq, IRQ_DISABLE_UNLAZY);
	}
	pci_free_irq_vectors(pdev);
	pci_clear_master(pdev);
}

static const struct pci_device_id irqtest_ids[] = {
	{ PCI_DEVICE(0x1234, 0x5a31) },
	{ PCI_DEVICE(0x10de, PCI_ANY_ID) },	/* only with ids=gpu */
	{ }
};
MODULE_DEVICE_TABLE(pci, irqtest_ids);

static struct pci_driver irqtest_driver = {
	.name = "irqtest",
	.id_table = irqtest_ids,
	.probe = irqtest_probe,
	.remove = irqtest_remove,
};
module_pci_driver(irqtest_driver);

MODULE_DESCRIPTION("MSI/MSI-X interrupt test driver for the jvfio sample device and GPUs (e2e guest)");
MODULE_LICENSE("GPL");
