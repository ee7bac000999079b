# Each GPU profile in a guest: the GPU at devfn 0 behind its own root port, ids and class 0302, BAR
# sizes and flags as the server describes them (64-bit prefetchable BAR2/BAR4), and the guest's view
# of the capability list (its config space decoded by pciutils) agreeing with `jvfio lspci -vvv`.
# Sizes are each profile's default device memory (gh200 96 GiB and so on): only address space.
for profile in gh200 gh200-480gb gb200 gb300; do
  n=gpu-$profile
  serve_start "$n" --profile "$profile" || { fail "$n/serve" "jvfio serve did not start"; continue; }
  "$JVFIO" lspci --socket "$WORK/$n.sock" -vvv >"$WORK/$n.host-lspci" 2>&1 || { fail "$n/host-lspci" "$(tail -2 "$WORK/$n.host-lspci")"; continue; }
  ids=$(head -1 "$WORK/$n.host-lspci" | awk '{print $3}')      # 10de:2342
  vendor=0x${ids%%:*} device=0x${ids##*:}
  sizes=""
  for b in 0 1 2 3 4 5; do
    s=$(grep -E "^	Region $b \(BAR$b\): size" "$WORK/$n.host-lspci" | sed -E 's/.*\((0x[0-9a-f]+)\).*flags.*/\1/')
    sizes="$sizes ${s:-0}"
  done
  qemu_args --profile "$profile" --socket "$WORK/$n.sock" --ram 1G --cpus 2 || { fail "$n/qemu-args" "failed"; continue; }
  script=$(guest_script "$n" gpu-profile vendor="$vendor" device="$device" ids="$ids" sizes="$sizes")
  guest_run "$n" "$script"
  # The guest's config space through the host's pciutils against jvfio lspci -vvv: same
  # capabilities, in the same order, with the same decoded header lines.
  sed -n '/^E2E DUMP BEGIN/,/^E2E DUMP END/p' "$WORK/$n.console" | tr -d '\r' | grep -v '^E2E DUMP' >"$WORK/$n.guest-dump"
  if [ -s "$WORK/$n.guest-dump" ] && command -v lspci >/dev/null; then
    lspci -F "$WORK/$n.guest-dump" -vvv -n 2>&1 | grep -E '^\s*Capabilities:' >"$WORK/$n.guest-caps"
    grep -E '^\s*Capabilities:' "$WORK/$n.host-lspci" >"$WORK/$n.host-caps"
    check "$n/lspci-capabilities-agree" diff "$WORK/$n.host-caps" "$WORK/$n.guest-caps"
    g=$(lspci -F "$WORK/$n.guest-dump" -n | head -1 | cut -d' ' -f2-)
    h=$(head -1 "$WORK/$n.host-lspci" | cut -d' ' -f2-)
    check "$n/lspci-ids-agree" test "$g" = "$h"
  elif ! command -v lspci >/dev/null; then
    skip "$n/lspci-agree" "no lspci (pciutils) on the host"
  else
    fail "$n/lspci-agree" "no config dump in the guest console"
  fi
  serve_stop "$n"
done
