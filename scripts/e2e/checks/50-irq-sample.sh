# Interrupts into guest drivers on the sample device (1234:5a31): INTx through uio_pci_generic,
# MSI-X and MSI through the test module guest/irqtest. The sample's DOORBELL register (BAR0 0x2000)
# raises vector N when written N (MSI-X if enabled, else MSI, else INTx). Checked: N doorbells give
# N interrupts on the right vector and no others, the sample's DOORBELLS counter agrees, INTx sets
# and clears Status.Interrupt (VU-8.6) and is held while Command.INTx-disable is set, and a masked
# MSI-X or MSI vector stays pending (PBA bit, MSI pending bit) until unmasked, then fires once.
#
# QEMU options: `jvfio qemu-args --profile sample` attaches the served socket with the GPU layout
# (the device on its own PCIe root port, plus NUMA nodes and acpi-generic-initiators meant for GPU
# memory, which are harmless here); qemu-args cannot leave those out, nor take --gpus 0.
n=irq
serve_start "$n" --profile sample || { fail "$n/serve" "jvfio serve did not start"; return 0 2>/dev/null || exit 0; }
qemu_args --profile sample --socket "$WORK/$n.sock" --ram 512M --cpus 1 || { fail "$n/qemu-args" "failed"; serve_stop "$n"; return 0 2>/dev/null || exit 0; }
script=$(guest_script "$n" irq-sample)
# a loaded 2-core host stretches the guest's ~40 s (several hundred trapped accesses, E2E-8)
# QEMU's vfio traces go to $WORK/irq.qemu.log (a few dozen lines): they show which side held a
# masked vector (MSI-X: QEMU, vfio_msix_pba_enable on each masked fire; MSI: the server, which
# sees the mask bits and fires nothing until they clear) and every SET_IRQS.
E2E_TIMEOUT=${E2E_TIMEOUT:-300} guest_run "$n" "$script" -trace vfio_msi_interrupt -trace 'vfio_msix_pba_*' \
  -trace 'vfio_msix_vector_*' -trace vfio_user_set_irqs
serve_stop "$n"
