# Reset from the guest (sysfs reset) with --ready-delay 2s: right after the reset the readiness
# registers (BAR0 0x1498 and 0x200BC, NV-7.1) read not-ready, then ready within a few seconds; a
# pattern written into BAR4 before survives (NV-7.3: reset does not scrub device memory); the
# command register, the BAR registers and the kernel's resource table are what they were before
# (the guest kernel saves and restores config state around the reset). The guest kernel's reset
# method is flr (the GPU offers FLReset+): a config write to DevCtl that QEMU passes on to the
# device. Then the same with a secondary bus reset of the root port, which QEMU turns into
# DEVICE_RESET. The serve log's DEVICE_RESET lines are counted around each and recorded (QEMU
# sends one on connect, VU-9.2).
n=reset
if serve_start "$n" --mem-size 4G --ready-delay 2s; then
  qemu_args --socket "$WORK/$n.sock" --mem-size 4G --ram 1G --cpus 2 || fail "$n/qemu-args" "failed"
  script=$(guest_script "$n" reset)
  guest_run_bg "$n" "$script"
  log=$WORK/$n.serve.log
  resets() { grep -c 'device reset by the client' "$log"; }
  declare -A before=() after=()
  for m in flr sbr; do
    console_wait "$n" "E2E RESETTING $m" "${E2E_TIMEOUT:-180}" && before[$m]=$(resets)
    console_wait "$n" "E2E RESET DONE $m" 30 && after[$m]=$(resets)
  done
  guest_wait
  for m in flr sbr; do
    if [ -n "${before[$m]:-}" ] && [ -n "${after[$m]:-}" ]; then
      note "$n: $m reset from the guest: $(( after[$m] - before[$m] )) DEVICE_RESET from QEMU in the serve log (before it: ${before[$m]})"
    fi
  done
  # FLR is a config write the device handles itself; a bus reset above it is QEMU's device reset
  if [ -n "${after[sbr]:-}" ]; then
    check "$n/sbr-is-device-reset" test $(( after[sbr] - before[sbr] )) -ge 1
  fi
  note "$n: serve log, $(resets) DEVICE_RESET in all:"
  grep -E 'connected|disconnected|device reset' "$log" | sed "s/^/  $n: serve: /"
  serve_stop "$n"
else
  fail "$n/serve" "jvfio serve did not start"
fi
