# Host side of the guest suite, sourced by scripts/e2e.sh (and scripts/arm64-host.sh), which run
# each scripts/e2e/checks/*.sh with run_check. A check serves devices with ./jvfio serve, asks
# ./jvfio qemu-args for the QEMU options, boots a guest whose /init runs a script of guest/checks/
# (named in a small script passed with -fw_cfg), and turns the "E2E PASS|FAIL|SKIP" lines of the
# guest console into suite results. Host-side checks call pass/fail/skip directly.

E2E_PIDS=()
declare -A E2E_SERVE=()

# ---- results ----
# Each result is a line on stdout and a letter (P, F, S) appended to $E2E_TALLY: checks and
# background guests run in subshells, whose variables die with them, and the file counts for all.
# work_init: makes $WORK (short: AF_UNIX socket paths are limited to 107 bytes) and the tally.
work_init() {
  WORK=$(mktemp -d /tmp/jvfio-e2e.XXXXXX)
  E2E_TALLY=$WORK/results.tally
  : >"$E2E_TALLY"
}
pass() { echo "PASS $1"; echo P >>"$E2E_TALLY"; }
fail() { echo "FAIL $1: $2"; echo F >>"$E2E_TALLY"; }
skip() { echo "SKIP $1: $2"; echo S >>"$E2E_TALLY"; }
# e2e_counts: sets E2E_PASSED, E2E_FAILED and E2E_SKIPPED from the tally
e2e_counts() {
  E2E_PASSED=$(grep -c '^P' "$E2E_TALLY") E2E_FAILED=$(grep -c '^F' "$E2E_TALLY") E2E_SKIPPED=$(grep -c '^S' "$E2E_TALLY")
}
# e2e_summary: the suite's last line, "N passed, N failed, N skipped"; status 0 iff none failed
e2e_summary() {
  e2e_counts
  echo "$E2E_PASSED passed, $E2E_FAILED failed, $E2E_SKIPPED skipped"
  [ "$E2E_FAILED" = 0 ]
}

# ---- checks ----
# cleanup: stops every process serve_start started in this shell (SIGTERM, then waits for it)
cleanup() {
  local pid
  for pid in "${E2E_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${E2E_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  E2E_PIDS=()
}
# run_check FILE: sources the check FILE in a subshell of its own, so nothing it defines or changes
# (variables, functions, traps, options, the working directory) reaches the next check, and an
# `exit` ends only that check. Its serve processes are stopped when it ends, however it ends (a
# check that sets its own EXIT trap calls cleanup from it). It ends normally by running to its
# end, `return` or `exit 0`; any other exit status (`exit 1`, an unbound variable under set -u)
# is a failure of its own, NAME/exit. Prints "== NAME" before and its time after.
run_check() {
  local name rc t0=$SECONDS
  name=$(basename "$1" .sh)
  echo "== $name"
  (
    E2E_PIDS=() E2E_BG=() E2E_SERVE=()
    trap cleanup EXIT
    trap 'exit 130' INT TERM
    ARCH=x86_64
    . "$1"
    exit 0
  )
  rc=$?
  [ "$rc" = 0 ] || fail "$name/exit" "the check file ended with exit status $rc"
  echo "   ($name: $(( SECONDS - t0 )) s)"
  [ "$rc" != 130 ]
}
note() { echo "  $*"; }
# check NAME COMMAND...: PASS if the command succeeds, else FAIL with (the start of) its output
check() {
  local name=$1 out; shift
  if out=$("$@" 2>&1); then pass "$name"; else fail "$name" "$(echo "$out" | tr '\n' ' ' | cut -c1-300)"; fi
}

# ---- jvfio serve ----
# serve_start NAME [serve options...]: serves on $WORK/NAME.sock (unless the options name sockets or
# a --config), waits until ready; E2E_SERVE[NAME] is its PID. Log: $WORK/NAME.serve.log
serve_start() {
  local name=$1; shift
  local log=$WORK/$name.serve.log args=("$@")
  case " ${args[*]} " in *" --socket "*|*" --config "*|*" --gpus "*) ;; *) args+=(--socket "$WORK/$name.sock") ;; esac
  # emptied here, not only by the child's redirection: a restart on the same NAME would otherwise
  # find the previous serve's "ready" line before the child has opened the log
  : >"$log"
  "$JVFIO" serve "${args[@]}" >"$log" 2>&1 </dev/null &
  local pid=$!
  E2E_PIDS+=("$pid")
  E2E_SERVE[$name]=$pid
  local i
  for i in $(seq 600); do
    grep -q 'jvfio: ready' "$log" && return 0
    kill -0 "$pid" 2>/dev/null || { echo "serve $name exited early: $(tail -3 "$log")" >&2; return 1; }
    sleep 0.1
  done
  echo "serve $name not ready after 60 s: $(tail -3 "$log")" >&2
  return 1
}
serve_stop() { # NAME: SIGTERM and wait
  local pid=${E2E_SERVE[$1]:-}
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# ---- QEMU options from jvfio qemu-args ----
# qemu_args [qemu-args options...]: fills the array QARGS with the printed options and PHYS_BITS
# with the guest address width the hint line asks for.
qemu_args() {
  local out
  out=$("$JVFIO" qemu-args "$@" 2>"$WORK/qemu-args.hint") || { echo "jvfio qemu-args $* failed: $(cat "$WORK/qemu-args.hint")" >&2; return 1; }
  echo "$out" >"$WORK/last-qemu-args.txt"
  eval "QARGS=( $(echo "$out" | grep -v '^#' | sed 's/\\$//') )"
  # the address width comes from qemu-args' hint on stderr (TCG: -cpu max,phys-bits=N)
  PHYS_BITS=$(cat "$WORK/qemu-args.hint" | grep -o 'phys-bits=[0-9]*' | head -1 | cut -d= -f2)
  PHYS_BITS=${PHYS_BITS:-40}
}

# ---- guests ----
# guest_run NAME SCRIPT_FILE [extra QEMU options...]: boots the test guest with QARGS plus the extras,
# the script passed in fw_cfg; console in $WORK/NAME.console; turns the guest's result lines into
# results named NAME/...; fails NAME/boot if the guest did not reach E2E END within E2E_TIMEOUT
# (unless E2E_END_OPTIONAL is set: a check that ends the guest on purpose). QEMU's exit code goes
# to $WORK/NAME.qemu-rc.
guest_run() {
  local name=$1 script=$2; shift 2
  local console=$WORK/$name.console
  rm -f "$console"
  local machine_opts
  if [ "${ARCH:-x86_64}" = aarch64 ]; then
    # arm virt: UEFI firmware for ACPI (and so SRAT generic initiators); pauth-impdef is faster under TCG
    machine_opts=("$E2E_QEMU_AA64" -accel tcg -cpu max,pauth-impdef=on -bios "$E2E_FIRMWARE_AA64"
      -kernel "$E2E_KERNEL_AA64" -initrd "$WORK/initramfs-aarch64.cpio.gz"
      -append "console=ttyAMA0 quiet panic=-1 ${GUEST_APPEND:-}")
  else
    # no_timer_check: under TCG on a loaded host the emulated 8254 can miss the kernel's timer check
    # window, and the guest panics at boot ("IO-APIC + timer doesn't work!"), four guests at once
    # (70-multi-vm) most easily; the check tells nothing about the device
    machine_opts=("$E2E_QEMU_X86" -accel tcg -cpu "max,phys-bits=$PHYS_BITS"
      -kernel "$E2E_KERNEL_X86" -initrd "$WORK/initramfs-x86_64.cpio.gz"
      -append "console=ttyS0 quiet panic=-1 no_timer_check ${GUEST_APPEND:-}")
  fi
  timeout --kill-after=5 "${E2E_TIMEOUT:-180}" "${machine_opts[@]}" \
    -nodefaults -no-user-config -display none -no-reboot -serial "file:$console" \
    -fw_cfg "name=opt/jvfio/test,file=$script" "${QARGS[@]}" "$@" \
    >"$WORK/$name.qemu.log" 2>&1 </dev/null
  local rc=$?
  echo "$rc" >"$WORK/$name.qemu-rc"
  guest_results "$name" "$console"
  if ! grep -q '^E2E END' "$console" 2>/dev/null && [ -n "${E2E_END_OPTIONAL:-}" ]; then
    note "$name: the guest did not reach E2E END (QEMU exit $rc)"
  elif ! grep -q '^E2E END' "$console" 2>/dev/null; then
    fail "$name/boot" "guest did not finish (QEMU exit $rc): $(tail -c 600 "$WORK/$name.qemu.log" "$console" 2>/dev/null | tr '\n' ' ')"
    return 1
  fi
  return 0
}
guest_results() { # NAME CONSOLE
  local line
  while IFS= read -r line; do
    line=${line%$'\r'}
    case "$line" in
      "E2E PASS "*) pass "$1/${line#E2E PASS }" ;;
      "E2E FAIL "*) fail "$1/${line#E2E FAIL }" "" ;;
      "E2E SKIP "*) skip "$1/${line#E2E SKIP }" "" ;;
      "E2E INFO "*) note "$1: ${line#E2E INFO }" ;;
      "E2E BOOTED "*) note "$1: guest ${line#E2E BOOTED }" ;;
    esac
  done < <(grep -a '^E2E ' "$2" 2>/dev/null)
}
# guest_run_bg NAME SCRIPT [extra QEMU options...]: guest_run in the background, with the QARGS and
# PHYS_BITS of now (concurrent guests, or a host that acts while the guest runs); its results are
# counted as they come (the tally), its output waits in $WORK/NAME.results until guest_wait prints
# it, so the lines of concurrent guests do not interleave.
E2E_BG=()
guest_run_bg() {
  ( guest_run "$@" ) >"$WORK/$1.results" 2>&1 </dev/null &
  E2E_BG+=("$!:$1")
}
guest_wait() { # waits for every guest_run_bg guest and prints its output
  local e
  for e in "${E2E_BG[@]}"; do
    wait "${e%%:*}"
    cat "$WORK/${e#*:}.results"
  done
  E2E_BG=()
}
# console_wait NAME TEXT SECONDS: waits until the guest console has a line starting with TEXT;
# fails after SECONDS or as soon as the guest has ended (E2E END) without it
console_wait() {
  local end=$(( SECONDS + $3 )) c=$WORK/$1.console
  while [ "$SECONDS" -lt "$end" ]; do
    grep -aq "^$2" "$c" 2>/dev/null && return 0
    grep -aq '^E2E END' "$c" 2>/dev/null && return 1
    sleep 0.2
  done
  return 1
}
# guest_lines NAME PREFIX: the guest console lines starting with PREFIX (after "E2E INFO ")
guest_info() { grep -a "^E2E INFO $2" "$WORK/$1.console" | sed "s/^E2E INFO $2//" | tr -d '\r'; }

# ---- initramfs ----
# build_initramfs ARCH: builds $WORK/initramfs-ARCH.cpio.gz: busybox, /init, the guest library, the
# guest scripts of guest/checks/ (in /lib/jvfio/checks), the static helpers of guest/helpers/*.c,
# the kernel modules the tests load and (x86_64) the guest modules under guest/*/Kbuild, built
# against the guest kernel's headers.
build_initramfs() {
  local arch=${1:-x86_64} root=$WORK/initramfs-${1:-x86_64} cc=gcc busybox=$E2E_BUSYBOX_X86 modules=$E2E_MODULES_X86
  if [ "$arch" = aarch64 ]; then cc=$E2E_CC_AA64 busybox=$E2E_BUSYBOX_AA64 modules=$E2E_MODULES_AA64; fi
  rm -rf "$root"; mkdir -p "$root"/{bin,sbin,lib/jvfio/checks,proc,sys,dev,tmp}
  cp "$busybox" "$root/bin/busybox"
  cp "$E2E_REPO/guest/init" "$root/init"
  cp "$E2E_REPO/guest/guest-lib.sh" "$root/lib/jvfio/guest-lib.sh"
  cp "$E2E_REPO"/guest/checks/*.sh "$root/lib/jvfio/checks/"
  cp "$modules"/*.ko "$root/lib/jvfio/"
  local c
  for c in "$E2E_REPO"/guest/helpers/*.c; do
    "$cc" -O2 -static -Wall -o "$root/bin/$(basename "$c" .c)" "$c" || return 1
  done
  local k out
  if [ "$arch" = x86_64 ]; then
    for k in "$E2E_REPO"/guest/*/Kbuild; do
      [ -f "$k" ] || continue
      out=$WORK/kbuild/$(basename "$(dirname "$k")")
      rm -rf "$out"; mkdir -p "$out"; cp -r "$(dirname "$k")"/. "$out/"
      if [ -x "$(dirname "$k")/build.sh" ]; then # the module's own build script: build.sh KDIR OUTDIR
        "$(dirname "$k")/build.sh" "$E2E_KDIR_X86" "$out" >"$out.log" 2>&1 || { echo "building $k failed: $(tail -5 "$out.log")" >&2; return 1; }
      else
        make -s -C "$E2E_KDIR_X86" M="$out" modules >"$out.log" 2>&1 || { echo "building $k failed: $(tail -5 "$out.log")" >&2; return 1; }
      fi
      cp "$out"/*.ko "$root/lib/jvfio/"
    done
  fi
  (cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$WORK/initramfs-$arch.cpio.gz"
}

# guest_script NAME SCRIPT [VAR=VALUE...]: the test script of guest NAME, for guest_run: it sets
# each VAR to VALUE (the host's values: sizes, seeds, addresses) and sources guest/checks/SCRIPT.sh
# from the initramfs. Writes it to $WORK/NAME.sh and prints that path.
guest_script() {
  local name=$1 script=$2 a var q="'"; shift 2
  if [ ! -f "$E2E_REPO/guest/checks/$script.sh" ]; then echo "guest_script: no guest/checks/$script.sh" >&2; return 1; fi
  {
    echo "# guest $name: guest/checks/$script.sh with the host's values"
    for a in "$@"; do
      var=${a%%=*}
      if ! [[ $a == *=* && $var =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]]; then echo "guest_script: '$a' is not VAR=VALUE" >&2; return 1; fi
      a=${a#*=}
      echo "$var='${a//$q/$q\\$q$q}'"
    done
    echo ". /lib/jvfio/checks/$script.sh"
  } >"$WORK/$name.sh" || return 1
  echo "$WORK/$name.sh"
}

# ---- QMP ----
# qmp SOCKET COMMAND-JSON...: connects to a QEMU started with -qmp unix:SOCKET,server=on,wait=off,
# negotiates (qmp_capabilities) and sends each command; prints one line per command: QEMU's
# "return" or "error" object as JSON (events in between are skipped). Exit 1 if it cannot connect.
# python3 because the host has no socat and bash cannot open unix sockets.
qmp() {
  python3 - "$@" <<'PY'
import json, socket, sys, time
path, cmds = sys.argv[1], sys.argv[2:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
for _ in range(100):
    try:
        s.connect(path); break
    except OSError:
        time.sleep(0.1)
else:
    print("qmp: cannot connect to " + path, file=sys.stderr); sys.exit(1)
f = s.makefile("rw")
def reply():
    while True:
        line = f.readline()
        if not line: raise SystemExit("qmp: connection closed")
        m = json.loads(line)
        if "return" in m or "error" in m: return m
json.loads(f.readline())  # greeting
f.write('{"execute":"qmp_capabilities"}\n'); f.flush(); reply()
for c in cmds:
    f.write(c + "\n"); f.flush()
    m = reply()
    print(json.dumps(m["return"] if "return" in m else {"error": m["error"]}))
PY
}
