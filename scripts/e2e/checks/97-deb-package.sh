# The Debian package (docs/install.md): ./mvnw -Pdeb package builds target/jvfio_VERSION_all.deb,
# which is installed into the suite's trixie root (scripts/e2e-env.sh puts Debian's
# openjdk-25-jre-headless, man-db, systemd and lintian there) and checked as a user would meet it:
#   lintian     no errors, and no warning beyond the ones docs/install.md lists with their reasons
#   install     dpkg -i: user jvfio in group kvm, the files, jvfio --version
#   man         man jvfio and man jvfio-serve render (the latter with --metrics)
#   completion  bash completes "jvfio se" to serve
#   unit        systemd-analyze verify of jvfio@example.service; its security exposure is noted
#   service     the unit's ExecStart, read from the installed unit, run as the unit runs it (no
#               systemd in the root): user jvfio, group kvm, no new privileges, umask 0027,
#               RuntimeDirectory /run/jvfio/example and StateDirectory made as systemd makes them,
#               systemd's environment with NOTIFY_SOCKET on an abstract socket the suite listens on;
#               plus --metrics 127.0.0.1:0, as the documented drop-in adds it. READY=1 must come,
#               the socket must be srw-rw---- jvfio kvm, and a client running as libvirt-qemu (group
#               kvm) must be let in
#   guest       QEMU attaches a guest to the packaged server, the guest sees the GPU and rings the
#               copy engine N times; /metrics scraped while the guest holds must count exactly N
#               copies of N x 4 KiB, N x 4 KiB read from guest memory, one client attached (and two
#               sessions: the lspci above, then QEMU)
#   stop        SIGTERM: STOPPING=1 on the notify socket, the socket file gone
#   upgrade     dpkg -i of the same package again (postinst's upgrade path), the conffile kept
#   remove      dpkg -r keeps the configuration and the user; dpkg -P removes both
#   arm64       the same .deb installed into the arm64 host userland (95-arm64-host's root, under
#               qemu user-mode emulation), served from by user jvfio, looked at with jvfio lspci
# Needs root (chroot, mounts); SKIP otherwise, or when the root lacks the packages above.
n=deb
deb_root=${E2E_CACHE:-$HOME/.cache/jvfio/e2e}/trixie-root
deb_mounts=() deb_pid="" deb_notify_pid="" deb_copies=5
deb_notify_name=jvfio-e2e-notify-$$ deb_notify_log=$WORK/$n.notify
# warnings lintian may report, each with its reason in docs/install.md ("lintian")
deb_kept_warnings="classpath-contains-relative-path maintainer-script-calls-systemctl unknown-java-class-version"

deb_cleanup() {
  local m
  [ -n "$deb_pid" ] && { kill -TERM "$deb_pid" 2>/dev/null; wait "$deb_pid" 2>/dev/null; deb_pid=""; }
  [ -n "$deb_notify_pid" ] && { kill "$deb_notify_pid" 2>/dev/null; wait "$deb_notify_pid" 2>/dev/null; deb_notify_pid=""; }
  if [ -x "$deb_root/usr/bin/dpkg" ] && chroot "$deb_root" dpkg -s jvfio >/dev/null 2>&1; then
    chroot "$deb_root" dpkg -P jvfio >/dev/null 2>&1 || true
  fi
  rm -rf "$deb_root/run/jvfio" "$deb_root/tmp/jvfio.deb" "$deb_root/tmp/hsperfdata_jvfio" "$deb_root/tmp/hsperfdata_libvirt-qemu"
  for (( m=${#deb_mounts[@]}-1; m>=0; m-- )); do umount "${deb_mounts[$m]}" 2>/dev/null || umount -l "${deb_mounts[$m]}" 2>/dev/null || true; done
  deb_mounts=()
}
deb_mount() { # SRC DST [options]: mounted for the check, undone by deb_cleanup
  mount "$@" && deb_mounts+=("${@: -1}")
}
in_deb_root() { chroot "$deb_root" /bin/sh -c "$1"; }
# the value of metric NAME{LABELS} in the scrape FILE (labels in Prometheus' order), or nothing
deb_metric() { sed -n "s/^$2{$3} \\([0-9.eE+-]*\\)\$/\\1/p" "$1" | head -1; }
deb_num() { awk -v v="${1:-x}" 'BEGIN { if (v ~ /^[0-9.eE+-]+$/) printf "%d", v + 0; else print "none" }'; }

if [ "$(id -u)" != 0 ]; then
  skip "$n/all" "needs root (chroot of the trixie root, mounts)"
elif [ ! -x "$deb_root/usr/lib/jvm/java-25-openjdk-amd64/bin/java" ] || [ ! -x "$deb_root/usr/bin/lintian" ] \
    || [ ! -x "$deb_root/usr/bin/systemd-analyze" ] || [ ! -x "$deb_root/usr/bin/man" ]; then
  skip "$n/all" "the trixie root lacks openjdk-25-jre-headless, lintian, systemd or man-db: run scripts/e2e-env.sh"
else
  trap 'deb_cleanup; cleanup' EXIT
  # ---- build ----
  deb_t0=$SECONDS
  rm -f "$E2E_REPO"/target/jvfio_*_all.deb
  if (cd "$E2E_REPO" && JVFIO_SKIP_DEBIAN=1 ./mvnw -q -B -Pdeb -Dmaven.test.skip=true package) >"$WORK/$n.build.log" 2>&1 \
      && deb=$(ls "$E2E_REPO"/target/jvfio_*_all.deb 2>/dev/null | head -1) && [ -n "$deb" ]; then
    pass "$n/build ($(basename "$deb"), $(stat -c %s "$deb") bytes, $((SECONDS - deb_t0)) s)"
    note "$n: installed size $(dpkg-deb -f "$deb" Installed-Size) KiB; files: $(dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {sub(/^\./, "", $6); print $6}' | grep -v '^/usr/share/jvfio/lib/' | tr '\n' ' ')+ $(dpkg-deb -c "$deb" | grep -c '/usr/share/jvfio/lib/.*\.jar') jars in /usr/share/jvfio/lib"
  else
    fail "$n/build" "$(tail -5 "$WORK/$n.build.log" | tr '\n' ' ' | cut -c1-400)"
    deb=""
  fi
fi
if [ -n "${deb:-}" ] && deb_mount -t proc proc "$deb_root/proc" && deb_mount --bind /dev "$deb_root/dev"; then
  chroot "$deb_root" dpkg -s jvfio >/dev/null 2>&1 && chroot "$deb_root" dpkg -P jvfio >/dev/null 2>&1
  cp "$deb" "$deb_root/tmp/jvfio.deb"

  # ---- lintian ----
  in_deb_root 'lintian --pedantic /tmp/jvfio.deb' >"$WORK/$n.lintian" 2>&1
  errors=$(grep -c '^E:' "$WORK/$n.lintian")
  unkept=$(grep '^W:' "$WORK/$n.lintian" | awk '{print $3}' | sort -u | while read -r tag; do
    case " $deb_kept_warnings " in *" $tag "*) ;; *) echo "$tag" ;; esac; done | tr '\n' ' ')
  note "$n: lintian: $(grep -E '^[EWIP]:' "$WORK/$n.lintian" | cut -c1-110 | tr '\n' ';')"
  if [ "$errors" = 0 ] && [ -z "$unkept" ]; then
    pass "$n/lintian (no errors; warnings kept: $(grep '^W:' "$WORK/$n.lintian" | awk '{print $3}' | sort -u | tr '\n' ' '))"
  else
    fail "$n/lintian" "$errors errors; warnings not in the kept list: ${unkept:-none}"
  fi

  # ---- install ----
  if in_deb_root 'dpkg -i /tmp/jvfio.deb' >"$WORK/$n.install" 2>&1; then
    pass "$n/install"
  else
    fail "$n/install" "$(tail -5 "$WORK/$n.install" | tr '\n' ' ')"
  fi
  check "$n/user-jvfio-in-kvm" sh -c "chroot '$deb_root' id jvfio | grep -q 'gid=[0-9]*(kvm)'"
  check "$n/launcher-runs" sh -c "chroot '$deb_root' /usr/bin/jvfio --version | grep -q '^jvfio '"
  note "$n: $(chroot "$deb_root" id jvfio); $(chroot "$deb_root" /usr/bin/jvfio --version 2>&1 | head -1)"

  # ---- man, completion, unit ----
  in_deb_root 'MANWIDTH=100 man jvfio 2>&1' >"$WORK/$n.man" 2>&1
  in_deb_root 'MANWIDTH=100 man jvfio-serve 2>&1' >"$WORK/$n.man-serve" 2>&1
  check "$n/man-jvfio" sh -c "grep -q '^NAME' '$WORK/$n.man' && grep -q 'jvfio - ' '$WORK/$n.man' && grep -q 'serve' '$WORK/$n.man'"
  check "$n/man-jvfio-serve" sh -c "grep -q -- '--metrics' '$WORK/$n.man-serve' && grep -q -- '--allow-group' '$WORK/$n.man-serve'"
  comp=$(in_deb_root "bash -c '. /usr/share/bash-completion/completions/jvfio; COMP_WORDS=(jvfio se); COMP_CWORD=1; COMP_LINE=\"jvfio se\"; COMP_POINT=8; _complete_jvfio; echo \${COMPREPLY[*]}'" 2>&1)
  if [ "$comp" = serve ]; then pass "$n/completion (jvfio se<TAB>: serve)"; else fail "$n/completion" "jvfio se<TAB> gave '$comp'"; fi
  if in_deb_root 'systemd-analyze verify jvfio@example.service' >"$WORK/$n.verify" 2>&1 && [ ! -s "$WORK/$n.verify" ]; then
    pass "$n/systemd-analyze-verify"
  else
    fail "$n/systemd-analyze-verify" "$(tr '\n' ' ' <"$WORK/$n.verify" | cut -c1-400)"
  fi
  in_deb_root 'systemd-analyze security --offline=true jvfio@example.service' >"$WORK/$n.security" 2>&1
  note "$n: systemd-analyze security: $(grep 'Overall exposure' "$WORK/$n.security")"

  # ---- the service, as the unit runs it ----
  unit=$deb_root/usr/lib/systemd/system/jvfio@.service
  exec_start=$(sed -n 's/^ExecStart=//p' "$unit" | sed 's/%i/example/g')
  note "$n: ExecStart (instance example): $exec_start; with --metrics 127.0.0.1:0"
  rm -rf "$deb_root/run/jvfio"
  # RuntimeDirectory=jvfio/%i (0750) and StateDirectory=jvfio/%i (0750), owned by User:Group
  install -d -m 0755 "$deb_root/run/jvfio" && install -d -m 0750 "$deb_root/run/jvfio/example"
  install -d -m 0755 "$deb_root/var/lib/jvfio" && install -d -m 0750 "$deb_root/var/lib/jvfio/example"
  chroot "$deb_root" chown jvfio:kvm /run/jvfio/example /var/lib/jvfio/example
  : >"$deb_notify_log"
  python3 -u - "$deb_notify_name" "$deb_notify_log" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + sys.argv[1])
with open(sys.argv[2], "a") as out:
    while True:
        out.write(s.recv(65536).decode() + "\n--\n"); out.flush()
PY
  deb_notify_pid=$!
  sleep 0.3
  chroot "$deb_root" setpriv --reuid=jvfio --regid=kvm --init-groups --no-new-privs --inh-caps=-all --bounding-set=-all \
    env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin LANG=C.UTF-8 USER=jvfio LOGNAME=jvfio \
      HOME=/nonexistent SHELL=/usr/sbin/nologin RUNTIME_DIRECTORY=/run/jvfio/example \
      STATE_DIRECTORY=/var/lib/jvfio/example NOTIFY_SOCKET="@$deb_notify_name" \
    /bin/sh -c "umask 0027; exec $exec_start --metrics 127.0.0.1:0" >"$WORK/$n.serve.log" 2>&1 </dev/null &
  deb_pid=$!
  E2E_PIDS+=("$deb_pid")
  for i in $(seq 600); do grep -q '^READY=1' "$deb_notify_log" && break; kill -0 "$deb_pid" 2>/dev/null || break; sleep 0.1; done
  sock=/run/jvfio/example/gpu0.sock
  if grep -q '^READY=1' "$deb_notify_log"; then
    pass "$n/service-ready (READY=1 after $(( i / 10 )).$(( i % 10 )) s; $(grep -m1 '^STATUS=' "$deb_notify_log"))"
  else
    fail "$n/service-ready" "no READY=1: $(tail -5 "$WORK/$n.serve.log" | tr '\n' ' ')"
  fi
  mode=$(chroot "$deb_root" stat -c '%A %U %G' "$sock" 2>&1)
  if [ "$mode" = "srw-rw---- jvfio kvm" ]; then pass "$n/socket-mode ($sock: $mode)"; else fail "$n/socket-mode" "$sock: $mode"; fi
  port=$(sed -n 's#.*metrics on http://127.0.0.1:\([0-9]*\)/metrics.*#\1#p' "$WORK/$n.serve.log" | head -1)
  # a client as libvirt-qemu runs it (its uid, group kvm among its groups) is let in
  lq=$(chroot "$deb_root" id -u libvirt-qemu 2>/dev/null)
  if [ -n "$lq" ]; then
    chroot --userspec=libvirt-qemu:libvirt-qemu --groups=kvm "$deb_root" /usr/bin/jvfio lspci --socket "$sock" \
      >"$WORK/$n.lspci-libvirt-qemu" 2>&1
    check "$n/libvirt-qemu-let-in" grep -q '10de:2342' "$WORK/$n.lspci-libvirt-qemu"
  else
    skip "$n/libvirt-qemu-let-in" "no user libvirt-qemu in the root"
  fi

  # ---- a guest on the packaged server; /metrics while it holds ----
  RESV=$((0x10000000)) A=$((0x10000000))
  if [ -n "$port" ] && qemu_args --socket "$deb_root$sock" --ram 1G --cpus 2; then
    script=$(guest_script "$n" deb-package-guest A="$A" deb_copies="$deb_copies")
    GUEST_APPEND="memmap=160M\$$(printf '0x%x' $RESV)" guest_run_bg "$n" "$script"
    if console_wait "$n" "E2E INFO holding" 240; then
      python3 -c "import urllib.request,sys; sys.stdout.write(urllib.request.urlopen('http://127.0.0.1:$port/metrics', timeout=10).read().decode())" \
        >"$WORK/$n.metrics" 2>&1
      notify_status=$(grep '^STATUS=' "$deb_notify_log" | tail -1)
      d='device="gpu0"'
      copies=$(deb_num "$(deb_metric "$WORK/$n.metrics" jvfio_copy_engine_copies_total "$d,result=\"done\"")")
      cbytes=$(deb_num "$(deb_metric "$WORK/$n.metrics" jvfio_copy_engine_bytes_total "$d")")
      dread=$(deb_num "$(deb_metric "$WORK/$n.metrics" jvfio_dma_bytes_total "$d,direction=\"read\"")")
      clients=$(deb_num "$(deb_metric "$WORK/$n.metrics" jvfio_clients "$d")")
      sessions=$(deb_num "$(deb_metric "$WORK/$n.metrics" jvfio_client_sessions_total "$d")")
      windows=$(deb_num "$(deb_metric "$WORK/$n.metrics" jvfio_dma_windows "$d")")
      note "$n: /metrics while the guest holds: $(grep -E '^jvfio_(copy_engine|dma_bytes|dma_windows|dma_mapped|clients|client_sessions|resets|interrupts|messages_total\{command="(VERSION|DMA_MAP|REGION_READ|REGION_WRITE)")' "$WORK/$n.metrics" | tr '\n' ';' | cut -c1-1500)"
      expect_host() { if [ "$2" = "$3" ]; then pass "$n/$1 ($2)"; else fail "$n/$1" "got $2, want $3"; fi; }
      expect_host metrics-copies "$copies" "$deb_copies"
      expect_host metrics-copy-bytes "$cbytes" "$((deb_copies * 4096))"
      expect_host metrics-dma-read-bytes "$dread" "$((deb_copies * 4096))"
      # sessions: libvirt-qemu's jvfio lspci above, then QEMU
      expect_host metrics-clients "$clients $sessions" "1 2"
      check "$n/metrics-dma-windows" test "$windows" != none -a "$windows" != 0
      check "$n/notify-status-client" sh -c "echo '$notify_status' | grep -q '1 client attached'"
    else
      fail "$n/guest-holding" "the guest did not reach 'holding': $(tail -c 400 "$WORK/$n.console" 2>/dev/null | tr '\n' ' ')"
    fi
    guest_wait
    sleep 1
    check "$n/notify-status-after-guest" sh -c "grep '^STATUS=' '$deb_notify_log' | tail -1 | grep -q '0 clients attached'"
  else
    fail "$n/guest-setup" "no metrics port in the serve log or qemu-args failed: $(tail -3 "$WORK/$n.serve.log" | tr '\n' ' ')"
  fi

  # ---- stop ----
  kill -TERM "$deb_pid" 2>/dev/null; wait "$deb_pid" 2>/dev/null; rc=$?; deb_pid=""
  check "$n/stop-notifies" grep -q '^STOPPING=1' "$deb_notify_log"
  check "$n/stop-exit-status" sh -c "[ '$rc' = 0 ] || [ '$rc' = 143 ]"
  check "$n/stop-removes-socket" sh -c "! [ -e '$deb_root$sock' ]"
  note "$n: serve log: $(tr '\n' '|' <"$WORK/$n.serve.log" | cut -c1-600)"

  # ---- upgrade, remove, purge ----
  echo '# local change' >>"$deb_root/etc/jvfio/example.json"
  if in_deb_root 'dpkg -i /tmp/jvfio.deb' >"$WORK/$n.upgrade" 2>&1 && grep -q 'local change' "$deb_root/etc/jvfio/example.json"; then
    pass "$n/upgrade (reinstall over itself; the changed conffile kept)"
  else
    fail "$n/upgrade" "$(tail -3 "$WORK/$n.upgrade" | tr '\n' ' ')"
  fi
  in_deb_root 'dpkg -r jvfio' >"$WORK/$n.remove" 2>&1
  check "$n/remove-keeps-config-and-user" sh -c "[ ! -e '$deb_root/usr/bin/jvfio' ] && [ -f '$deb_root/etc/jvfio/example.json' ] && chroot '$deb_root' id jvfio >/dev/null"
  in_deb_root 'dpkg -P jvfio' >"$WORK/$n.purge" 2>&1
  check "$n/purge-removes-config-and-user" sh -c "[ ! -e '$deb_root/etc/jvfio' ] && ! chroot '$deb_root' id jvfio >/dev/null 2>&1"

  # ---- the arm64 host userland ----
  a64=${E2E_CACHE:-$HOME/.cache/jvfio/e2e}/arm64-host
  if [ ! -f "$a64/.ready" ]; then
    skip "$n/arm64" "the arm64 host userland is not provisioned: $(cat "$a64/.unavailable" 2>/dev/null || echo "run scripts/e2e-env.sh")"
  elif ! "$E2E_REPO/scripts/arm64-host-env.sh" --binfmt; then
    fail "$n/arm64" "cannot register qemu-aarch64 with binfmt_misc"
  else
    cp "$deb" "$a64/root/tmp/jvfio.deb"
    deb_t0=$SECONDS
    unshare --mount --propagation private /bin/bash -c '
      root=$1
      mount -t proc proc "$root/proc" && mount --bind /dev "$root/dev" || exit 97
      chroot "$root" /bin/sh -c "
        dpkg -i /tmp/jvfio.deb >/tmp/jvfio-install.log 2>&1 || { echo INSTALL-FAILED; cat /tmp/jvfio-install.log; exit 1; }
        echo INSTALLED \$(dpkg-query -W -f=\\\${Version} jvfio) \$(id jvfio)
        install -d -m 0755 /run/jvfio; install -d -m 0750 -o jvfio -g kvm /run/jvfio/example
        setpriv --reuid=jvfio --regid=kvm --init-groups --no-new-privs env -i PATH=/usr/sbin:/usr/bin \
          RUNTIME_DIRECTORY=/run/jvfio/example /usr/bin/jvfio serve --config /etc/jvfio/example.json \
          --socket-group kvm --allow-group kvm >/tmp/jvfio-serve.log 2>&1 & pid=\$!
        i=0; until grep -q \"jvfio: ready\" /tmp/jvfio-serve.log; do
          i=\$((i+1)); [ \$i -le 1800 ] && kill -0 \$pid 2>/dev/null || { echo SERVE-NOT-READY; cat /tmp/jvfio-serve.log; kill \$pid; break; }; sleep 0.1; done
        echo \"SERVE-READY after \$((i / 10)) s\"
        /usr/bin/jvfio lspci --socket /run/jvfio/example/gpu0.sock -v; echo LSPCI-RC \$?
        kill -TERM \$pid; wait \$pid; echo SERVE-RC \$?
        dpkg -P jvfio >/dev/null 2>&1; echo PURGED \$?
        rm -rf /run/jvfio /tmp/jvfio.deb /tmp/jvfio-*.log /tmp/hsperfdata_jvfio"
    ' deb-arm64 "$a64/root" >"$WORK/$n.arm64.log" 2>&1
    if grep -q '^LSPCI-RC 0' "$WORK/$n.arm64.log" && grep -q 'Region 4' "$WORK/$n.arm64.log" && grep -q '^PURGED 0' "$WORK/$n.arm64.log"; then
      pass "$n/arm64 ($(grep -m1 '^INSTALLED' "$WORK/$n.arm64.log" | cut -c1-80); $(grep -m1 '^SERVE-READY' "$WORK/$n.arm64.log"); lspci sees $(grep -m1 -E '^([0-9a-f]{4}:)?[0-9a-f]{2}:[0-9a-f]{2}\.' "$WORK/$n.arm64.log" | cut -c1-70); $((SECONDS - deb_t0)) s)"
    else
      fail "$n/arm64" "$(tail -8 "$WORK/$n.arm64.log" | tr '\n' ' ' | cut -c1-500)"
    fi
  fi
elif [ -n "${deb:-}" ]; then
  fail "$n/mounts" "cannot mount /proc and /dev into $deb_root"
fi
if [ -n "${deb+set}" ]; then # the root was used: leave it as it was
  deb_cleanup
  trap cleanup EXIT
fi
