# The copy engine (docs/dma-engine.md) driven from inside a guest: device-initiated DMA
# into and out of real guest RAM, as QEMU's vfio-user-pci maps it to the server (DMA_MAP with the
# memfd of memory-backend-memfd,share=on).
#
# Guest buffers: the kernel argument memmap=160M$0x10000000 takes 256 MiB..416 MiB of node 0's RAM
# out of the kernel's hands ("Reserved" in /proc/iomem, not System RAM, and not marked busy), so
# CONFIG_STRICT_DEVMEM / IO_STRICT_DEVMEM let /dev/mem map it; with no vIOMMU its bus address is its
# physical address. guest/helpers/dma-copy fills buffer A there, has the engine copy A into device
# memory and back into buffer B, compares B (memory speed) and the device memory through an
# mmap-able resource file, and prints each copy's STATUS/DONE/ERRORS and time.
#
# GPU (gh200, 4 GiB: usemem 3 GiB in BAR4): 4 KiB, 1 MiB and 64 MiB round trips polling STATUS and
# with the completion interrupt on MSI-X vector 0, counted by guest/irqtest (ids=gpu), which also
# turns memory decode and Bus Master on; device memory checked through BAR4's mapping.
# Sample device (its 8 KiB RAM at BAR0 0): 4 KiB round trips polling and with INTx through
# uio_pci_generic (E2E-7: the helper blocks in /dev/uioN, writes STATUS to deassert, re-arms
# Command.INTx-disable); device RAM checked through resource0 (trapped: 512 reads).
# Both: Bus Master off gives 0x82 and neither side's bytes change; a bus address beyond guest RAM
# (0x7f0000000000) gives 0x81 with FAULT = that address, as source and as destination; DONE and
# ERRORS count exactly the copies made. Guest side: guest/checks/dma-gpu.sh, dma-sample.sh and the
# part both share, dma-errors.sh.
RESV=$((0x10000000)) RESV_BYTES=$((160 << 20))
A=$RESV B=$((RESV + (64 << 20))) C=$((RESV + (128 << 20)))   # A, B: 64 MiB each; C: 32 MiB spare
BAD=0x7f0000000000
resv_arg="memmap=$((RESV_BYTES >> 20))M\$$(printf '0x%x' "$RESV")"   # the guest kernel argument

# ------------------------------------------------------------------------------------------ GPU
n=dma-gpu
if serve_start "$n" --mem-size 4G && qemu_args --socket "$WORK/$n.sock" --mem-size 4G --ram 1G --cpus 2; then
  script=$(guest_script "$n" dma-gpu RESV="$RESV" RESV_BYTES="$RESV_BYTES" A="$A" B="$B" C="$C" BAD="$BAD")
  E2E_TIMEOUT=${E2E_TIMEOUT:-300} GUEST_APPEND="$resv_arg" guest_run "$n" "$script"
  # QEMU has exited; the device memory the engine wrote outlives it: same SHA-256 from the host
  g=$(guest_info "$n" "sha usemem ")
  h=$("$JVFIO" peek --socket "$WORK/$n.sock" --region 4 --offset $((6 << 26)) --count 64M --sha256 2>&1)
  note "$n: usemem 64 MiB sha256 guest $g, host $h"
  check "$n/host-sees-engine-bytes" test -n "$g" -a "$g" = "$h"
else
  fail "$n/setup" "serve or qemu-args failed"
fi
serve_stop "$n"

# ------------------------------------------------------------------------------------ sample
n=dma-sample
if serve_start "$n" --profile sample && qemu_args --profile sample --socket "$WORK/$n.sock" --ram 1G --cpus 2; then
  script=$(guest_script "$n" dma-sample RESV="$RESV" RESV_BYTES="$RESV_BYTES" A="$A" B="$B" C="$C" BAD="$BAD")
  E2E_TIMEOUT=${E2E_TIMEOUT:-300} GUEST_APPEND="$resv_arg" guest_run "$n" "$script"
else
  fail "$n/setup" "serve or qemu-args failed"
fi
serve_stop "$n"
