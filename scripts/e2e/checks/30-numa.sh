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
  script=$(guest_script "$n" numa gpus="$gpus" last="$last")
  guest_run "$n" "$script"
  serve_stop "$n"
done
