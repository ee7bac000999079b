# The arm64 leg (Grace hosts run arm64 guests): qemu-system-aarch64 -machine virt with UEFI (ACPI,
# so SRAT generic initiators), options from `jvfio qemu-args --machine virt`. The GH200 and GB200
# BARs (sizes as the server describes them, 64-bit prefetchable, placed in the high MMIO window that
# highmem-mmio-size sizes, which starts at 512 GiB), BAR4 access mapped (default) and trapped
# (--memory-enable strict) with the host reading the guest's bytes back, GI nodes for 1 and 2 GPUs.
if [ -z "${E2E_KERNEL_AA64:-}" ]; then
  skip "arm64" "the arm64 leg is not provisioned (scripts/e2e-env.sh --arch all)"
else
ARCH=aarch64
high_window=$((512 << 30))
arm_case() { # NAME GPUS PROFILE MEM-SIZE MEMORY-ENABLE SIZE
  local n=$1 gpus=$2 profile=$3 mem=$4 mode=$5 size=$6 i
  local sock_args=() mem_args=()
  [ -n "$mem" ] && mem_args=(--mem-size "$mem")
  mkdir -p "$WORK/$n"
  for i in $(seq 0 $((gpus - 1))); do sock_args+=(--socket "$WORK/$n/gpu$i.sock"); done
  serve_start "$n" --profile "$profile" --gpus "$gpus" "${mem_args[@]}" --memory-enable "$mode" "${sock_args[@]}" \
    || { fail "$n/serve" "did not start"; return; }
  "$JVFIO" lspci --socket "$WORK/$n/gpu0.sock" -v >"$WORK/$n.host-lspci" 2>&1
  local ids vendor device sizes="" b s usemem
  ids=$(head -1 "$WORK/$n.host-lspci" | awk '{print $3}')
  vendor=0x${ids%%:*} device=0x${ids##*:}
  for b in 0 1 2 3 4 5; do
    s=$(grep -E "^	Region $b \(BAR$b\): size" "$WORK/$n.host-lspci" | sed -E 's/.*\((0x[0-9a-f]+)\).*flags.*/\1/')
    sizes="$sizes ${s:-0}"
  done
  qemu_args --machine virt --profile "$profile" "${mem_args[@]}" "${sock_args[@]}" --ram 1G --cpus 2 \
    || { fail "$n/qemu-args" "failed"; return; }
  # Debian's arm64 6.1 kernel has CONFIG_NODES_SHIFT=4: 16 NUMA nodes, so a second GPU's last two GI
  # nodes (16, 17) do not fit; the guest logs "ACPI: SRAT: Too many proximity domains".
  local last=$((1 + 8 * gpus)) shift max_node
  shift=$(sed -n 's/^CONFIG_NODES_SHIFT=//p' "$(dirname "$E2E_KERNEL_AA64")/config")
  max_node=$(( (1 << ${shift:-10}) - 1 ))
  if [ "$last" -gt "$max_node" ]; then
    skip "$n/generic-initiator-nodes-2-$last" "the guest kernel holds $((max_node + 1)) nodes (CONFIG_NODES_SHIFT=$shift); checking 2-$max_node"
    last=$max_node
  fi
  script=$(guest_script "$n" arm64 vendor="$vendor" device="$device" ids="$ids" sizes="$sizes" gpus="$gpus" \
    high_window="$high_window" last="$last" size="$size")
  guest_run "$n" "$script"
  check "$n/no-qemu-warnings" sh -c "! grep -ai 'warning' '$WORK/$n.qemu.log'"
  if [ "$last" -lt $((1 + 8 * gpus)) ]; then
    check "$n/guest-says-too-many-proximity-domains" grep -aq "SRAT: Too many proximity domains" "$WORK/$n.console"
  fi
  if [ "$size" != 0 ]; then
    local g h
    g=$(guest_info "$n" "sha bar4 ")
    h=$("$JVFIO" peek --socket "$WORK/$n/gpu0.sock" --region 4 --count "$size" --sha256 2>&1)
    check "$n/host-sees-guest-bytes" test -n "$g" -a "$g" = "$h"
  fi
  serve_stop "$n"
}
arm_case arm64-gh200 1 gh200 "" ignore $((1 << 20))
arm_case arm64-gb200 1 gb200 "" ignore 0
arm_case arm64-2gpu-strict 2 gh200 4G strict $((16 << 10))
ARCH=x86_64
fi
