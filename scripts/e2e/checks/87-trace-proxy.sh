# jvfio trace between QEMU and a served GPU (docs/trace.md): QEMU attaches to the proxy's socket,
# the proxy forwards to jvfio serve. The guest runs the GPU checks of 10-gpu-profiles (ids, class,
# devfn, root port, BAR sizes and flags, the capability list against the host's jvfio lspci) and of
# 20-bar-access (BAR4/BAR2 written and read back through QEMU's mapping of the sparse area, all ones
# past usemem, the guest's bytes seen by a host client afterwards): they must pass as they do
# directly. Then the JSON trace (--json) must hold the whole QEMU session with nothing lost: VERSION
# first, QEMU's DMA_MAPs and DMA_UNMAPs with the last DMA_UNMAP answered, every request answered
# (requests one way = replies the other way), no message flagged, the proxy's own counts equal to the
# lines of the file, and a printed line for every message.
# A 4 GiB GH200: usemem = 3 GiB in a 4 GiB BAR4 (see 20-bar-access).
n=trace
trace_usemem=$((3 << 30)) trace_size=$((1 << 20))
trace_sock=$WORK/$n.sock trace_json=$WORK/$n.jsonl trace_out=$WORK/$n.trace.out trace_err=$WORK/$n.trace.err

# trace_start: jvfio trace in the background until "ready"; TRACE_PID is its PID
trace_start() {
  "$JVFIO" trace --listen "$trace_sock" --connect "$WORK/$n-gpu.sock" --json "$trace_json" \
    >"$trace_out" 2>"$trace_err" </dev/null &
  TRACE_PID=$!
  E2E_PIDS+=("$TRACE_PID")
  local i
  for i in $(seq 600); do
    grep -q 'jvfio trace: ready' "$trace_err" && return 0
    kill -0 "$TRACE_PID" 2>/dev/null || { echo "jvfio trace exited early: $(tail -3 "$trace_err")" >&2; return 1; }
    sleep 0.1
  done
  echo "jvfio trace not ready after 60 s: $(tail -3 "$trace_err")" >&2
  return 1
}
# trace_closed CONN SECONDS: waits until the trace has the close line of CONN
trace_closed() {
  local i
  for i in $(seq $(( $2 * 10 ))); do
    grep -q "^[0-9:.]* $1 -- closed" "$trace_out" && return 0
    sleep 0.1
  done
  return 1
}

if ! serve_start "$n-gpu" --mem-size 4G; then
  fail "$n/serve" "jvfio serve did not start"
elif ! trace_start; then
  fail "$n/trace-start" "$(tail -3 "$trace_err" | tr '\n' ' ')"
else
  pass "$n/trace-start"
  # the host's view, straight from the server (before the guest: one client at a time)
  "$JVFIO" lspci --socket "$WORK/$n-gpu.sock" -vvv >"$WORK/$n.host-lspci" 2>&1
  ids=$(head -1 "$WORK/$n.host-lspci" | awk '{print $3}')
  vendor=0x${ids%%:*} device=0x${ids##*:}
  sizes=""
  for b in 0 1 2 3 4 5; do
    s=$(grep -E "^	Region $b \(BAR$b\): size" "$WORK/$n.host-lspci" | sed -E 's/.*\((0x[0-9a-f]+)\).*flags.*/\1/')
    sizes="$sizes ${s:-0}"
  done
  if qemu_args --socket "$trace_sock" --mem-size 4G --ram 1G --cpus 2; then
    script=$(guest_script "$n" trace-proxy sizes="$sizes" vendor="$vendor" device="$device" ids="$ids" trace_size="$trace_size" trace_usemem="$trace_usemem")
    guest_run "$n" "$script"
    # the guest's config space through the host's pciutils against jvfio lspci -vvv (10-gpu-profiles)
    sed -n '/^E2E DUMP BEGIN/,/^E2E DUMP END/p' "$WORK/$n.console" | tr -d '\r' | grep -v '^E2E DUMP' >"$WORK/$n.guest-dump"
    if [ -s "$WORK/$n.guest-dump" ] && command -v lspci >/dev/null; then
      lspci -F "$WORK/$n.guest-dump" -vvv -n 2>&1 | grep -E '^\s*Capabilities:' >"$WORK/$n.guest-caps"
      grep -E '^\s*Capabilities:' "$WORK/$n.host-lspci" >"$WORK/$n.host-caps"
      check "$n/lspci-capabilities-agree" diff "$WORK/$n.host-caps" "$WORK/$n.guest-caps"
    elif ! command -v lspci >/dev/null; then
      skip "$n/lspci-agree" "no lspci (pciutils) on the host"
    else
      fail "$n/lspci-agree" "no config dump in the guest console"
    fi
    # QEMU has exited; its connection is closed in the trace. A host client through the proxy (conn2)
    # then reads what the guest wrote.
    check "$n/qemu-connection-closed" trace_closed conn1 30
    g=$(guest_info "$n" "sha bar4 ")
    h=$("$JVFIO" peek --socket "$trace_sock" --region 4 --offset 0 --count $trace_size --sha256 2>&1)
    check "$n/host-sees-guest-bytes-through-the-proxy" test -n "$g" -a "$g" = "$h"
  else
    fail "$n/qemu-args" "failed"
  fi
  kill -TERM "$TRACE_PID" 2>/dev/null; wait "$TRACE_PID" 2>/dev/null
  note "$n: jvfio trace stopped; $(wc -l <"$trace_json") JSON lines, $(wc -l <"$trace_out") printed lines"
  # the whole QEMU session (conn1) in the JSON file
  if out=$(python3 - "$trace_json" "$trace_out" <<'PY'
import json, re, sys
events = [json.loads(l) for l in open(sys.argv[1])]
printed = open(sys.argv[2]).read().splitlines()
msgs = [e for e in events if e.get("conn") == "conn1" and "seq" in e and "chunk_of" not in e]
close = [e for e in events if e.get("event") == "close" and e["conn"] == "conn1"]
problems = []
def need(cond, what):
    if not cond:
        problems.append(what)
need(len(msgs) > 100, "conn1 has %d messages" % len(msgs))
need([m["command"] + " " + m["dir"] for m in msgs[:2]] == ["VERSION C->S", "VERSION S->C"],
     "the session starts with %s" % [m["command"] for m in msgs[:2]])
cmds = [m["command"] for m in msgs]
need("DMA_MAP" in cmds and "DMA_UNMAP" in cmds, "no DMA_MAP or DMA_UNMAP")
unmaps = [i for i, m in enumerate(msgs) if m["command"] == "DMA_UNMAP" and m["type"] == "request"]
if unmaps:
    last = msgs[unmaps[-1]]
    need(any(m["command"] == "DMA_UNMAP" and m["type"] == "reply" and m["id"] == last["id"]
             for m in msgs[unmaps[-1] + 1:]), "the last DMA_UNMAP (#%d) has no reply" % last["id"])
need(not any("problems" in m for m in msgs), "flagged: %s" % [m["problems"] for m in msgs if "problems" in m][:3])
need(len(close) == 1, "no close event for conn1")
if close:
    c = close[0]
    cs, sc = c["C->S"], c["S->C"]
    need(cs["requests"] == sc["replies"], "C->S requests %d, S->C replies %d" % (cs["requests"], sc["replies"]))
    need(sc["requests"] == cs["replies"], "S->C requests %d, C->S replies %d" % (sc["requests"], cs["replies"]))
    need(c["unanswered"] == 0, "%d requests unanswered" % c["unanswered"])
    for d, n in (("C->S", cs), ("S->C", sc)):
        inFile = sum(1 for m in msgs if m["dir"] == d)
        need(inFile == n["messages"], "%s: the proxy counted %d, the file has %d" % (d, n["messages"], inFile))
    lines = sum(1 for l in printed if re.match(r"\S+ conn1 (C->S|S->C) ", l))
    need(lines == len(msgs), "%d printed lines for %d messages" % (lines, len(msgs)))
    print("conn1: C->S %d messages (%d requests, %d posted, %d replies), S->C %d (%d requests, %d replies), "
          "%d DMA_MAP, %d DMA_UNMAP; the last: %s; closed: %s" % (
          cs["messages"], cs["requests"], cs["posted"], cs["replies"], sc["messages"], sc["requests"], sc["replies"],
          cmds.count("DMA_MAP") // 2, len(unmaps), " ".join(cmds[-6:]), c["reason"]))
if problems:
    print("; ".join(problems))
    sys.exit(1)
PY
  ); then
    pass "$n/whole-session-in-the-trace"
    note "$n: $out"
  else
    fail "$n/whole-session-in-the-trace" "$out"
  fi
  note "$n: the session's first lines: $(grep -m 4 ' conn1 [CS]' "$trace_out" | cut -c1-160 | tr '\n' '|')"
  serve_stop "$n-gpu"
fi
