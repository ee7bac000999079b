# libvirt, as production hosts run QEMU: Debian trixie's libvirtd (from the trixie root of
# scripts/e2e-env.sh) started by the suite in a chroot of that root (no systemd there), a domain made
# from `jvfio qemu-args --libvirt` by scripts/e2e/libvirt-domain.py (TCG, direct kernel boot, serial
# to a file, the test script in fw_cfg; nothing else changed), QEMU run by libvirt as its
# unprivileged user libvirt-qemu.
# jvfio serve runs on the host as root and lets that user in the documented way: --socket-group
# (the group QEMU runs in, by number: the host has no such user) and --allow-uid (its uid).
# Checks: the domain starts; QEMU's uid is not 0; the guest sees the GPU's BARs and GI nodes 2-9; a
# domain destroyed mid-run (virsh destroy) leaves jvfio serve healthy: it logs the disconnect, a host
# client can connect, and a second domain boots and passes.
# Needs root (chroot and bind mounts) and libvirt in the trixie root; SKIP otherwise. AppArmor and
# SELinux are not active on these machines: no profile or label is involved here.
n=libvirt
lv_root=${E2E_CACHE:-$HOME/.cache/jvfio/e2e}/trixie-root
lv_mounts=() lv_pid=""
lv_cleanup() {
  local m
  if [ -n "$lv_pid" ]; then
    for d in $(chroot "$lv_root" virsh -c qemu:///system list --name 2>/dev/null); do
      chroot "$lv_root" virsh -c qemu:///system destroy "$d" >/dev/null 2>&1 || true
    done
    kill -TERM "$lv_pid" 2>/dev/null; wait "$lv_pid" 2>/dev/null; lv_pid=""
  fi
  for (( m=${#lv_mounts[@]}-1; m>=0; m-- )); do umount "${lv_mounts[$m]}" 2>/dev/null || umount -l "${lv_mounts[$m]}" 2>/dev/null || true; done
  lv_mounts=()
  # what this run left in the root: the mount point of $WORK, the domains' QEMU logs (copied to $lv)
  rmdir "$lv_root$WORK" 2>/dev/null || true
  rm -f "$lv_root/var/log/libvirt/qemu/$n-dom"*.log
}
lv_mount() { # SRC DST [options]: bind mount, remembered for lv_cleanup
  local src=$1 dst=$2; shift 2
  mount --bind "$@" "$src" "$dst" && lv_mounts+=("$dst")
}
virsh_() { chroot "$lv_root" virsh -c qemu:///system "$@"; }

if [ "$(id -u)" != 0 ]; then
  skip "$n/all" "needs root (chroot of the trixie root, bind mounts)"
elif [ ! -x "$lv_root/usr/sbin/libvirtd" ] || [ ! -x "$lv_root/usr/bin/virsh" ]; then
  skip "$n/all" "no libvirt in $lv_root: run scripts/e2e-env.sh (it installs libvirt-daemon, libvirt-daemon-driver-qemu, libvirt-clients)"
else
  trap 'lv_cleanup; cleanup' EXIT
  lv=$WORK/lv; mkdir -p "$lv"
  # libvirt-qemu must reach the socket, kernel, initramfs and script: $WORK (0700 from mktemp) becomes
  # traversable (not listable), $lv readable
  chmod 0711 "$WORK"; chmod 0755 "$lv"
  cp "$E2E_KERNEL_X86" "$lv/vmlinux"; cp "$WORK/initramfs-x86_64.cpio.gz" "$lv/initramfs.cpio.gz"
  chmod 0644 "$lv/vmlinux" "$lv/initramfs.cpio.gz"
  qemu_uid=$(awk -F: '$1=="libvirt-qemu" {print $3}' "$lv_root/etc/passwd")
  qemu_gid=$(awk -F: '$1=="libvirt-qemu" {print $4}' "$lv_root/etc/passwd")
  kvm_gid=$(awk -F: '$1=="kvm" {print $3}' "$lv_root/etc/group")
  note "$n: libvirt-qemu in the trixie root: uid $qemu_uid gid $qemu_gid, group kvm $kvm_gid"
  # the chroot: /proc /sys /dev /dev/pts, $WORK at the same path; qemu.conf of the suite bound over
  # the root's: user and group stay trixie's defaults (libvirt-qemu), QEMU's stdio goes to a file
  # since no virtlogd runs, no cgroups or mount namespace (no systemd, no cgroup filesystem in the
  # chroot)
  cat >"$lv/qemu.conf" <<CONF
stdio_handler = "file"
cgroup_controllers = [ ]
namespaces = [ ]
CONF
  cat >"$lv/libvirtd.conf" <<CONF
log_outputs = "3:file:$lv/libvirtd.log"
CONF
  mkdir -p "$lv_root$WORK"
  if lv_mount /proc "$lv_root/proc" && lv_mount /sys "$lv_root/sys" && lv_mount /dev "$lv_root/dev" \
      && lv_mount /dev/pts "$lv_root/dev/pts" && lv_mount "$WORK" "$lv_root$WORK" \
      && lv_mount "$lv/qemu.conf" "$lv_root/etc/libvirt/qemu.conf"; then
    rm -f "$lv_root/run/libvirt/libvirt-sock"
    chroot "$lv_root" /usr/sbin/libvirtd --config "$lv/libvirtd.conf" >"$lv/libvirtd.out" 2>&1 </dev/null &
    lv_pid=$!
    for i in $(seq 150); do virsh_ version >/dev/null 2>&1 && break; kill -0 "$lv_pid" 2>/dev/null || break; sleep 0.2; done
    if virsh_ version >"$lv/virsh-version" 2>&1; then
      pass "$n/libvirtd-starts"
      note "$n: $(grep -E 'Using library|Running hypervisor' "$lv/virsh-version" | tr '\n' ';' | sed 's/  */ /g')"
    else
      fail "$n/libvirtd-starts" "$(tail -c 400 "$lv/libvirtd.out" "$lv/libvirtd.log" 2>/dev/null | tr '\n' ' ')"
    fi
    sock=$lv/gpu0.sock
    if [ -n "$lv_pid" ] && kill -0 "$lv_pid" 2>/dev/null && \
        serve_start "$n" --socket "$sock" --mem-size 4G --socket-group "$kvm_gid" --allow-uid "$qemu_uid"; then
      # the documented path: the domain from qemu-args --libvirt, its stderr hint names the serve options
      "$JVFIO" qemu-args --libvirt --socket "$sock" --mem-size 4G --ram 1G --cpus 2 >"$lv/generated.xml" 2>"$lv/generated.hint"
      note "$n: qemu-args --libvirt hint: $(grep 'jvfio serve' "$lv/generated.hint" | sed 's/^# *//')"
      "$JVFIO" lspci --socket "$sock" -vvv >"$WORK/$n.host-lspci" 2>&1
      lv_domain() { # NAME HOLD: writes $lv/NAME.xml from the generated domain; HOLD=1: the guest waits at the end
        local name=$1 hold=$2 console=$lv/$1.console
        : >"$console"; chmod 0666 "$console"
        guest_script "$name" libvirt hold="$hold" >/dev/null
        chmod 0644 "$WORK/$name.sh"
        python3 "$E2E_REPO/scripts/e2e/libvirt-domain.py" "$name" /usr/bin/qemu-system-x86_64 "$lv/vmlinux" \
          "$lv/initramfs.cpio.gz" "console=ttyS0 quiet panic=-1 no_timer_check" "$console" "$WORK/$name.sh" \
          <"$lv/generated.xml" >"$lv/$name.xml"
      }
      # results of a libvirt guest: its console is the serial file
      lv_results() { cp "$lv/$1.console" "$WORK/$1.console"; guest_results "$1" "$WORK/$1.console"; }
      lv_qemu_uid() { # NAME: the Uid line of the domain's QEMU
        local pid; pid=$(cat "$lv_root/run/libvirt/qemu/$1.pid" 2>/dev/null)
        [ -n "$pid" ] && awk '/^Uid:/ {print $2, $3, $4, $5}' "/proc/$pid/status"
      }
      lv_qemu_ids() { # NAME: the Uid, Gid and Groups lines of the domain's QEMU
        local pid; pid=$(cat "$lv_root/run/libvirt/qemu/$1.pid" 2>/dev/null)
        [ -n "$pid" ] && grep -E '^(Uid|Gid|Groups):' "/proc/$pid/status" | tr '\t\n' '  '
      }
      lv_wait_console() { # NAME TEXT SECONDS
        local end=$(( SECONDS + $3 ))
        while [ "$SECONDS" -lt "$end" ]; do grep -aq "^$2" "$lv/$1.console" && return 0; sleep 0.5; done
        return 1
      }
      # 1: a domain that holds after its checks; destroyed mid-run
      d1=$n-dom1
      lv_domain "$d1" 1
      if virsh_ create "$lv/$d1.xml" >"$lv/$d1.create" 2>&1; then
        pass "$d1/domain-starts"
        uid=$(lv_qemu_uid "$d1")
        note "$d1: QEMU pid $(cat "$lv_root/run/libvirt/qemu/$d1.pid"): $(lv_qemu_ids "$d1")"
        check "$d1/qemu-not-root" sh -c "set -- $uid; [ \"\${1:-0}\" != 0 ] && [ \"\${2:-0}\" = $qemu_uid ] || { echo 'Uid: $uid'; false; }"
        if lv_wait_console "$d1" "E2E INFO holding" 120; then
          lv_results "$d1"
          virsh_ destroy "$d1" >"$lv/$d1.destroy" 2>&1 && pass "$d1/virsh-destroy" || fail "$d1/virsh-destroy" "$(cat "$lv/$d1.destroy")"
          sleep 1
          check "$d1/serve-logged-disconnect" grep -qE "uid $qemu_uid disconnected" "$WORK/$n.serve.log"
          check "$d1/serve-still-running" kill -0 "${E2E_SERVE[$n]}"
          check "$d1/host-client-after-destroy" "$JVFIO" lspci --socket "$sock"
        else
          fail "$d1/guest" "no 'holding' on the console: $(tail -c 500 "$lv/$d1.console" | tr '\n' ' ') $(tail -c 600 "$lv_root/var/log/libvirt/qemu/$d1.log" 2>/dev/null | tr '\n' ' ')"
          virsh_ destroy "$d1" >/dev/null 2>&1
        fi
      else
        fail "$d1/domain-starts" "$(tr '\n' ' ' <"$lv/$d1.create" | cut -c1-900)"
      fi
      # 2: the next domain on the same serve, to its end
      d2=$n-dom2
      lv_domain "$d2" 0
      if virsh_ create "$lv/$d2.xml" >"$lv/$d2.create" 2>&1; then
        pass "$d2/domain-starts"
        uid=$(lv_qemu_uid "$d2")
        check "$d2/qemu-not-root" sh -c "set -- $uid; [ \"\${1:-0}\" != 0 ] && [ \"\${2:-0}\" = $qemu_uid ] || { echo 'Uid: $uid'; false; }"
        if lv_wait_console "$d2" "E2E END" 120; then
          lv_results "$d2"
          pass "$d2/guest-ends"
        else
          lv_results "$d2"
          fail "$d2/guest-ends" "no E2E END: $(tail -c 500 "$lv/$d2.console" | tr '\n' ' ')"
        fi
        for i in $(seq 30); do virsh_ domstate "$d2" >/dev/null 2>&1 || break; sleep 0.5; done
      else
        fail "$d2/domain-starts" "$(tr '\n' ' ' <"$lv/$d2.create" | cut -c1-900)"
      fi
      # the guest's BAR sizes against the server's
      for b in 0 2 4; do
        want=$(grep -E "^	Region $b \(BAR$b\): size" "$WORK/$n.host-lspci" | sed -E 's/.*\((0x[0-9a-f]+)\).*flags.*/\1/')
        got=$(guest_info "$d2" "bar$b-size ")
        if [ -n "$got" ] && [ "$(( ${want:-0} ))" = "$(( got ))" ]; then pass "$d2/bar$b-size"; else fail "$d2/bar$b-size" "guest ${got:-none}, server ${want:-0}"; fi
      done
      grep -E 'connected|disconnected|refused' "$WORK/$n.serve.log" | sed "s/^/  $n: serve: /"
      cp "$lv_root/var/log/libvirt/qemu/"$n-dom*.log "$lv/" 2>/dev/null
      serve_stop "$n"
    else
      fail "$n/serve" "libvirtd or jvfio serve did not start: $(tail -2 "$WORK/$n.serve.log" 2>/dev/null)"
    fi
  else
    fail "$n/chroot-mounts" "bind mounts into $lv_root failed"
  fi
  lv_cleanup
  trap cleanup EXIT
fi
