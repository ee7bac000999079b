# qemu-args --topology grace: one CPU+RAM node per GPU and each GPU's root port behind a
# pxb-pcie host bridge of that node, so the guest's numa_node of GPU g is its CPU node g (with the
# default flat layout it is -1); on q35 and on arm virt. Also: QEMU prints no warning for either
# layout (the -smp sockets per CPU node keep 11.1's "CPU-0 and CPU-1 in socket-0-cluster-0 have
# been associated with node-0 and node-1" warning away).
grace_case() { # NAME ARCH MACHINE
  local n=$1 arch=$2 machine=$3
  if [ "$arch" = aarch64 ] && [ -z "${E2E_KERNEL_AA64:-}" ]; then skip "$n" "the arm64 leg is not provisioned"; return; fi
  ARCH=$arch
  mkdir -p "$WORK/$n"
  serve_start "$n" --gpus 2 --mem-size 4G --socket "$WORK/$n/gpu0.sock" --socket "$WORK/$n/gpu1.sock" \
    || { fail "$n/serve" "did not start"; ARCH=x86_64; return; }
  qemu_args --machine "$machine" --topology grace --socket "$WORK/$n/gpu0.sock" --socket "$WORK/$n/gpu1.sock" \
    --mem-size 4G --ram 1G --cpus 2 || { fail "$n/qemu-args" "failed"; ARCH=x86_64; return; }
  script=$(guest_script "$n" grace-topology)
  guest_run "$n" "$script"
  check "$n/no-qemu-warnings" sh -c "! grep -ai 'warning' '$WORK/$n.qemu.log'"
  serve_stop "$n"
  ARCH=x86_64
}
grace_case grace-q35 x86_64 q35
grace_case grace-virt aarch64 virt
