# Hot-add (VU-9.4): `qemu-args --spare-ports 1` boots a guest with one GPU and one empty hot-pluggable
# root port (spare0-port, sized for a GPU of --mem-size). While the guest runs, a second GPU is served
# and added with QMP device_add (vfio-user-pci, bus spare0-port, addr 0, the socket as a JSON
# object). The guest, polling for a second 10de function, finds it without a rescan (pciehp: the
# slot's presence-detect interrupt) and its BARs have the sizes the server describes (host jvfio
# lspci) with BAR2/BAR4 64-bit prefetchable, assigned inside the spare port's window. device_add into
# pcie.0 is refused by QEMU (its message is shown).
n=hotplug
if serve_start "$n-gpu0" --mem-size 4G && qemu_args --socket "$WORK/$n-gpu0.sock" --mem-size 4G --ram 1G --cpus 2 --spare-ports 1; then
  grep -q '"id":"spare0-port"' "$WORK/last-qemu-args.txt" && pass "$n/qemu-args-spare-port" \
    || fail "$n/qemu-args-spare-port" "no spare0-port in $(cat "$WORK/last-qemu-args.txt" | tr '\n' ' ' | cut -c1-300)"
  script=$(guest_script "$n" hotplug)
  rm -f "$WORK/$n.qmp"
  E2E_TIMEOUT=${E2E_TIMEOUT:-240} guest_run_bg "$n" "$script" -qmp "unix:$WORK/$n.qmp,server=on,wait=off"
  if console_wait "$n" "E2E INFO waiting for a hot-added GPU" 120; then
    # the second GPU is served only now, while the guest runs
    if serve_start "$n-gpu1" --mem-size 4G; then
      "$JVFIO" lspci --socket "$WORK/$n-gpu1.sock" -vvv >"$WORK/$n-gpu1.host-lspci" 2>&1
      sock1=$WORK/$n-gpu1.sock
      dev='"driver":"vfio-user-pci","id":"gpu1","addr":"0","socket":{"type":"unix","path":"'$sock1'"}'
      out=$(qmp "$WORK/$n.qmp" \
        '{"execute":"device_add","arguments":{'"$dev"',"bus":"pcie.0"}}' \
        '{"execute":"device_add","arguments":{'"$dev"',"bus":"spare0-port"}}' 2>&1)
      echo "$out" >"$WORK/$n.qmp.log"
      refused=$(sed -n 1p <<<"$out") added=$(sed -n 2p <<<"$out")
      note "$n: device_add into pcie.0: $refused"
      note "$n: device_add into spare0-port: $added"
      case "$refused" in *'"error"'*) pass "$n/pcie.0-refuses-hotplug" ;; *) fail "$n/pcie.0-refuses-hotplug" "QMP said: $refused" ;; esac
      check "$n/device_add-spare-port" test "$added" = "{}"
    else
      fail "$n/serve-gpu1" "the second jvfio serve did not start"
    fi
  else
    fail "$n/guest-waiting" "the guest did not reach its wait: $(tail -c 400 "$WORK/$n.console" 2>/dev/null | tr '\n' ' ')"
  fi
  guest_wait
  # sizes in the guest against the server's (host jvfio lspci, before QEMU connected)
  for b in 0 1 2 3 4 5; do
    want=$(grep -E "^	Region $b \(BAR$b\): size" "$WORK/$n-gpu1.host-lspci" 2>/dev/null | sed -E 's/.*\((0x[0-9a-f]+)\).*flags.*/\1/')
    got=$(guest_info "$n" "bar$b-size ")
    [ -n "$got" ] || continue
    if [ "$(( ${want:-0} ))" = "$(( got ))" ]; then pass "$n/bar$b-size"; else fail "$n/bar$b-size" "guest $got, server ${want:-0}"; fi
  done
  grep -E 'gpu0|gpu1|connected|disconnect' "$WORK/$n-gpu1.serve.log" 2>/dev/null | tail -3 | sed "s/^/  $n: serve gpu1: /"
  serve_stop "$n-gpu1"; serve_stop "$n-gpu0"
else
  fail "$n/setup" "serve or qemu-args failed: $(tail -2 "$WORK/$n-gpu0.serve.log" 2>/dev/null)"
fi
