# NUMA as the guest sees it for 1, 2 and 4 GPUs served by one jvfio: the generic-initiator nodes
# (8 per GPU after the two RAM nodes: 2-9, 2-17, 2-33) and the SRAT Generic Initiator Affinity
# entries (type 5) naming each GPU's PCI segment and BDF with its 8 proximity domains (NV-8.2).
for gpus in 1 2 4; do
  n=numa-$gpus
  mkdir -p "$WORK/$n"
  sockets=() sock_args=()
  for i in $(seq 0 $((gpus - 1))); do sockets+=("$WORK/$n/gpu$i.sock"); sock_args+=(--socket "$WORK/$n/gpu$i.sock"); done
  serve_start "$n" --gpus "$gpus" --mem-size 4G "${sock_args[@]}" || { fail "$n/serve" "did not start"; continue; }
  qemu_args "${sock_args[@]}" --mem-size 4G --ram 1G --cpus 2 || { fail "$n/qemu-args" "failed"; continue; }
  last=$((1 + 8 * gpus))
  script=$(guest_script "$n" <<GUEST
expect generic-initiator-nodes-2-$last "\$(cat /sys/devices/system/node/has_generic_initiator)" 2-$last
info "nodes possible \$(cat /sys/devices/system/node/possible) online \$(cat /sys/devices/system/node/online) memory \$(cat /sys/devices/system/node/has_memory) cpu \$(cat /sys/devices/system/node/has_cpu) gi \$(cat /sys/devices/system/node/has_generic_initiator)"
srat-gi >/tmp/gi 2>&1
expect srat-gi-entries "\$(wc -l </tmp/gi)" $((8 * gpus))
info "srat gi: \$(tr '\n' ';' </tmp/gi)"
i=0
for dev in \$(pci_devs 0x10de 0x2342); do
  bdf=\$(basename \$dev)
  first=\$((2 + 8 * i))
  want=\$(seq \$first \$((first + 7)) | tr '\n' ' ')
  got=\$(awk -v b=\$bdf '\$2 == b && \$3 == 1 {print \$1}' /tmp/gi | sort -n | tr '\n' ' ')
  info "gpu\$i \$bdf: proximity domains \$got"
  expect "gpu\$i-srat-names-its-bdf" "\$got" "\$want"
  i=\$((i + 1))
done
expect gpus-seen "\$i" $gpus
GUEST
)
  guest_run "$n" "$script"
  serve_stop "$n"
done
