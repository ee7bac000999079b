# Reset from the guest (sysfs reset) with --ready-delay 2s: right after the reset the readiness
# registers (BAR0 0x1498 and 0x200BC, NV-7.1) read not-ready, then ready within a few seconds; a
# pattern written into BAR4 before survives (NV-7.3: reset does not scrub device memory); the
# command register, the BAR registers and the kernel's resource table are what they were before
# (the guest kernel saves and restores config state around the reset). The guest kernel's reset
# method is flr (the GPU offers FLReset+): a config write to DevCtl that QEMU passes on to the
# device. The serve log's DEVICE_RESET lines are counted before and after it and recorded (QEMU
# sends one on connect, VU-9.2).
n=reset
if serve_start "$n" --mem-size 4G --ready-delay 2s; then
  qemu_args --socket "$WORK/$n.sock" --mem-size 4G --ram 1G --cpus 2 || fail "$n/qemu-args" "failed"
  script=$(guest_script "$n" <<'GUEST'
dev=$(pci_devs 0x10de 0x2342 | head -1)
if [ -z "$dev" ]; then fail gpu-present "no GH200 in the guest: $(ls /sys/bus/pci/devices)"; return 0; fi
mem_enable "$dev"
r0=$dev/resource0 r4=$dev/resource4
ready() { [ "$(bar-io "$r0" rd32 0x1498)" = 0x000000ff ] && [ "$(bar-io "$r0" rd32 0x200bc)" = 0x000000ff ]; }
info "reset_method: $(cat "$dev/reset_method" 2>/dev/null || echo '(none)')"
check ready-before-reset ready
# reset_once METHOD SEED: one sysfs reset with that reset_method, checked as the header says
# (the guest kernel lists only flr in reset_method for this GPU, so no other method is tried)
reset_once() {
  local m=$1 seed=$2 cmd0 bars0 res0 cmd1 bars1 res1 t0 t1 t2 a b
  if ! echo "$m" >"$dev/reset_method" 2>/dev/null; then skip "$m/sysfs-reset" "reset_method $m refused"; return 0; fi
  check "$m/bar4-fill" bar-io "$r4" fill 0 0x100000 "$seed"
  cmd0=$(cfg_bytes "$dev" 4 2) bars0=$(cfg_bytes "$dev" 0x10 24) res0=$(head -6 "$dev/resource" | tr '\n' ' ')
  info "$m: before: command $cmd0 bars $bars0"
  echo "E2E RESETTING $m"
  sleep 1 # lets the host count the serve log's resets before this one
  t0=$(uptime_cs)
  if echo 1 >"$dev/reset"; then pass "$m/sysfs-reset"; else fail "$m/sysfs-reset" "echo 1 > reset failed"; fi
  t1=$(uptime_cs)
  a=$(bar-io "$r0" rd32 0x1498) b=$(bar-io "$r0" rd32 0x200bc)
  info "$m: reset took $(( (t1 - t0) * 10 )) ms; right after it: 0x1498=$a 0x200bc=$b"
  check "$m/not-ready-after-reset" sh -c "[ $a != 0x000000ff ] && [ $b != 0x000000ff ] || echo '0x1498=$a 0x200bc=$b'"
  while ! ready && [ $(( $(uptime_cs) - t1 )) -lt 800 ]; do sleep 0.1; done
  t2=$(uptime_cs)
  if ready; then
    info "$m: ready $(( (t2 - t1) * 10 )) ms after the reset returned ($(( (t2 - t0) * 10 )) ms after it began)"
    check "$m/ready-within-5s" test $(( t2 - t0 )) -le 500
  else
    fail "$m/ready-after-reset" "registers not ready 8 s after the reset: 0x1498=$(bar-io "$r0" rd32 0x1498) 0x200bc=$(bar-io "$r0" rd32 0x200bc)"
  fi
  echo "E2E RESET DONE $m"
  check "$m/memory-survives" bar-io "$r4" check 0 0x100000 "$seed"
  cmd1=$(cfg_bytes "$dev" 4 2) bars1=$(cfg_bytes "$dev" 0x10 24) res1=$(head -6 "$dev/resource" | tr '\n' ' ')
  info "$m: after: command $cmd1 bars $bars1"
  check "$m/command-restored" sh -c "[ $cmd1 = $cmd0 ] || echo 'before $cmd0 after $cmd1'"
  check "$m/bars-restored" sh -c "[ $bars1 = $bars0 ] || echo 'before $bars0 after $bars1'"
  check "$m/resources-same" sh -c "[ '$res1' = '$res0' ] || echo 'before $res0 after $res1'"
  check "$m/bar4-usable-after-reset" sh -c "bar-io $r4 fill 0x100000 0x1000 $seed && bar-io $r4 check 0x100000 0x1000 $seed"
}
reset_once flr 0x4040
GUEST
)
  guest_run_bg "$n" "$script"
  log=$WORK/$n.serve.log
  resets() { grep -c 'device reset by the client' "$log"; }
  declare -A before=() after=()
  for m in flr; do
    console_wait "$n" "E2E RESETTING $m" "${E2E_TIMEOUT:-180}" && before[$m]=$(resets)
    console_wait "$n" "E2E RESET DONE $m" 30 && after[$m]=$(resets)
  done
  guest_wait
  for m in flr; do
    if [ -n "${before[$m]:-}" ] && [ -n "${after[$m]:-}" ]; then
      note "$n: $m reset from the guest: $(( after[$m] - before[$m] )) DEVICE_RESET from QEMU in the serve log (before it: ${before[$m]})"
    fi
  done
  note "$n: serve log, $(resets) DEVICE_RESET in all:"
  grep -E 'connected|disconnected|device reset' "$log" | sed "s/^/  $n: serve: /"
  serve_stop "$n"
else
  fail "$n/serve" "jvfio serve did not start"
fi
