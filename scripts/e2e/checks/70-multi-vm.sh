# Several VMs at once: one `jvfio serve --gpus 4` (one socket each), four QEMUs with one GPU each
# (each its own `jvfio qemu-args --socket`), booted concurrently. Each guest sees exactly one GH200
# and writes its own pattern (seed 0x7000+i) into the start of its BAR4 and prints the pattern's
# SHA-256; after the guests have exited the host reads each GPU's memory with jvfio peek: GPU i holds
# guest i's pattern and no other guest's. The serve log shows one client per socket.
n=multi
count=65536 # decimal: peek --count takes a size (65536, 64K), not 0x hex
socks=()
for i in 0 1 2 3; do socks+=(--socket "$WORK/$n$i.sock"); done
if serve_start "$n" --gpus 4 --mem-size 4G "${socks[@]}"; then
  # all four command lines first (a JVM each), then the four boots back to back
  for i in 0 1 2 3; do
    qemu_args --socket "$WORK/$n$i.sock" --mem-size 4G --ram 512M --cpus 1 || { fail "$n$i/qemu-args" "failed"; continue; }
    declare -n qa=multi_qargs$i; qa=("${QARGS[@]}"); unset -n qa
  done
  for i in 0 1 2 3; do
    declare -n qa=multi_qargs$i; QARGS=("${qa[@]}"); unset -n qa
    script=$(guest_script "$n$i" multi-vm count="$count" seed=$((0x7000 + i)))
    E2E_TIMEOUT=${E2E_TIMEOUT:-400} guest_run_bg "$n$i" "$script"
  done
  multi_t0=$SECONDS
  guest_wait
  note "$n: four concurrent guests done in $(( SECONDS - multi_t0 )) s"
  # one client per GPU, each a different QEMU (counted before peek connects as a client of its own)
  pids=""
  for i in 0 1 2 3; do
    c=$(grep -cE "gpu$i: .* connected$" "$WORK/$n.serve.log")
    pids="$pids $(grep -E "gpu$i: .* connected$" "$WORK/$n.serve.log" | sed -E 's/.* pid ([0-9]+) .*/\1/')"
    check "$n$i/one-client" sh -c "[ $c -eq 1 ] || { echo 'gpu$i: $c connections'; false; }"
  done
  check "$n/four-qemus" sh -c "[ \$(echo $pids | tr ' ' '\n' | sort -u | wc -l) -eq 4 ] || { echo 'client pids:$pids'; false; }"
  grep -E ' connected$' "$WORK/$n.serve.log" | sed "s/^/  $n: serve: /"
  declare -A sha=()
  for i in 0 1 2 3; do sha[$i]=$(guest_info "$n$i" "sha256 "); done
  for i in 0 1 2 3; do
    got=$("$JVFIO" peek --socket "$WORK/$n$i.sock" --region 4 --offset 0 --count $count --sha256 2>&1 | tr '\n' ' ' | sed 's/ *$//')
    whose=""
    for j in 0 1 2 3; do [ -n "${sha[$j]}" ] && [ "$got" = "${sha[$j]}" ] && whose="$whose $j"; done
    if [ -n "${sha[$i]}" ] && [ "$whose" = " $i" ]; then pass "$n$i/host-sees-own-pattern-only"
    else fail "$n$i/host-sees-own-pattern-only" "gpu$i holds the pattern of guest(s):${whose:- none} (peek: $got)"; fi
  done
  serve_stop "$n"
else
  fail "$n/serve" "jvfio serve did not start"
fi
