#!/usr/bin/env bash
# Prepares the arm64 host leg (scripts/e2e/checks/95-arm64-host.sh): an arm64 Debian userland run
# under qemu user-mode emulation, in which jvfio's tests and a serve/lspci/fuzz smoke run with
# Debian's arm64 OpenJDK 25. Idempotent; cached under $JVFIO_E2E_CACHE/arm64-host:
#   qemu-aarch64  the static qemu user-mode emulator of Debian trixie (10.0; bookworm's 7.2 keeps
#                 per-page bookkeeping for mapped memory and grows to GBs, E2E-10), taken from the
#                 trixie root of scripts/e2e-env.sh (apt-get download qemu-user: trixie's qemu-user
#                 is static, qemu-user-static is only a transitional package there);
#   root/         debootstrap --arch=arm64 --variant=minbase trixie, with openjdk-25-jdk-headless.
# The emulator is registered with the kernel's binfmt_misc directly (/proc/sys/fs/binfmt_misc, flag
# F: the kernel opens the binary at registration, so it need not exist inside the chroot) instead of
# through bookworm's binfmt-support, whose qemu-user-static would be the slow 7.2. A registration
# does not survive a reboot: every run (and the leg itself, through --binfmt) re-registers when
# missing. Only Debian's archive is used; its URL comes from this machine's own apt sources.
#
# Usage: scripts/arm64-host-env.sh [--check] [--binfmt]
#   --check   provision nothing; exit 0 if ready, else say what is missing
#   --binfmt  only make sure the binfmt registration is there (the leg calls this)
# Needs root on Debian, and the trixie root of scripts/e2e-env.sh (it calls this script).
# Exit: 0 ready; 3 this machine cannot provision (one line on stderr says why); 1 other failure.
set -euo pipefail
cache=${JVFIO_E2E_CACHE:-$HOME/.cache/jvfio/e2e}
dir=$cache/arm64-host
trixie=$cache/trixie-root
root=$dir/root
qemu=$dir/qemu-aarch64
mode=all
case "${1:-}" in
  --check) mode=check ;;
  --binfmt) mode=binfmt ;;
  -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  "") ;;
  *) echo "arm64-host-env: unknown argument '$1' (see --help)" >&2; exit 2 ;;
esac

say() { echo "arm64-host-env: $*" >&2; }
cannot() { say "cannot provision the arm64 host leg: $*"; mkdir -p "$dir"; echo "$*" >"$dir/.unavailable"; exit 3; }

# The kernel's handler for aarch64 ELF files (magic and mask as in qemu's binfmt.d/qemu-aarch64.conf).
binfmt=/proc/sys/fs/binfmt_misc
entry=jvfio-qemu-aarch64
magic='\x7f\x45\x4c\x46\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00'
mask='\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff'
ensure_binfmt() {
  [ -f "$binfmt/register" ] || mount -t binfmt_misc binfmt_misc "$binfmt" 2>/dev/null \
    || cannot "binfmt_misc is not available (mount -t binfmt_misc failed)"
  if [ -f "$binfmt/$entry" ]; then
    grep -qx enabled "$binfmt/$entry" && grep -q "interpreter $qemu\$" "$binfmt/$entry" && return 0
    echo -1 >"$binfmt/$entry" # stale (another cache path) or disabled: replace it
  fi
  # Another aarch64 handler (e.g. Debian's qemu-user-binfmt) would be matched first; ours is
  # registered after it and so unused: say so, since a 7.2 emulator changes the leg's costs.
  local other
  other=$(grep -l 'magic 7f454c460201010000000000000000000200b700' "$binfmt"/* 2>/dev/null | grep -v "/$entry\$" | head -1 || true)
  [ -n "$other" ] && say "note: another aarch64 handler is registered ($other: $(grep interpreter "$other")); it takes precedence"
  echo ":$entry:M::$magic:$mask:$qemu:F" >"$binfmt/register" || cannot "registering $qemu with binfmt_misc failed"
}

ready() { [ -f "$dir/.ready" ] && [ -x "$qemu" ] && [ -x "$root/usr/lib/jvm/java-25-openjdk-arm64/bin/java" ]; }
if [ "$mode" = check ]; then
  ready && { say "ready ($dir)"; exit 0; }
  say "not ready: run scripts/e2e-env.sh (or scripts/arm64-host-env.sh) as root on Debian"; exit 1
fi
if [ "$mode" = all ] && ready && [ "$(id -u)" != 0 ]; then
  say "ready (cached in $dir; the leg itself needs root)"; exit 0
fi
[ "$(id -u)" = 0 ] || cannot "needs root (binfmt_misc, debootstrap, chroot)"
if [ "$mode" = binfmt ]; then
  [ -x "$qemu" ] || { say "not provisioned: $qemu is missing"; exit 1; }
  ensure_binfmt; exit 0
fi
if ready; then ensure_binfmt; rm -f "$dir/.unavailable"; say "ready (cached in $dir)"; exit 0; fi

[ -f /etc/debian_version ] && command -v apt-get >/dev/null || cannot "not a Debian system"
[ "$(uname -m)" = x86_64 ] || cannot "the leg emulates arm64 on an x86-64 machine; this is $(uname -m)"
[ -f "$trixie/.jvfio-ready" ] || cannot "no trixie root at $trixie (scripts/e2e-env.sh makes it)"
command -v debootstrap >/dev/null || cannot "no debootstrap"
url=$(awk '/^URIs:/ {print $2}' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -E '/debian/?$' | head -1 || true)
[ -n "$url" ] || url=$(awk '$1=="deb" {for (i=2;i<=NF;i++) if ($i ~ /^[a-z]+:\/\//) {print $i; break}}' \
  /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | grep -E '/debian/?$' | head -1 || true)
[ -n "$url" ] || cannot "no Debian archive (a URI ending in /debian) in /etc/apt/sources.list*"
url=${url%/}
mkdir -p "$dir"

# ---- the emulator: trixie's static qemu-aarch64 ----
if [ ! -x "$qemu" ]; then
  say "downloading trixie's qemu-user (static qemu-aarch64 10.0)"
  rm -f "$trixie"/tmp/qemu-user_*.deb
  chroot "$trixie" /bin/sh -c 'cd /tmp && apt-get download -qq qemu-user' >"$dir/qemu-download.log" 2>&1 || {
    chroot "$trixie" /bin/sh -c 'apt-get update -qq && cd /tmp && apt-get download -qq qemu-user' >>"$dir/qemu-download.log" 2>&1 \
      || { say "apt-get download qemu-user in the trixie root failed, see $dir/qemu-download.log"; exit 1; }
  }
  x=$(mktemp -d); dpkg -x "$(ls "$trixie"/tmp/qemu-user_*.deb | tail -1)" "$x"
  cp "$x/usr/bin/qemu-aarch64" "$qemu.tmp"; rm -rf "$x" "$trixie"/tmp/qemu-user_*.deb
  mv "$qemu.tmp" "$qemu"
fi
ensure_binfmt

# ---- the arm64 root with OpenJDK 25 ----
mounted=()
unmount_all() { local m; for m in "${mounted[@]}"; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; done; mounted=(); }
trap unmount_all EXIT
if [ ! -f "$root/.debootstrapped" ]; then
  rm -rf "$root"
  say "debootstrap --arch=arm64 trixie (minbase) from $url (about 2-4 min under emulation)"
  debootstrap --arch=arm64 --variant=minbase trixie "$root" "$url" >"$dir/debootstrap.log" 2>&1 \
    || { say "debootstrap failed, see $dir/debootstrap.log"; exit 1; }
  touch "$root/.debootstrapped"
fi
if [ ! -x "$root/usr/lib/jvm/java-25-openjdk-arm64/bin/java" ]; then
  say "installing openjdk-25-jdk-headless (arm64) into the root (a few minutes under emulation)"
  mount -t proc proc "$root/proc"; mounted+=("$root/proc")
  chroot "$root" /bin/sh -c 'export DEBIAN_FRONTEND=noninteractive; apt-get update -qq &&
      apt-get install -y -qq --no-install-recommends openjdk-25-jdk-headless && apt-get clean' \
    >"$dir/jdk-install.log" 2>&1 || { say "apt-get install openjdk-25-jdk-headless failed, see $dir/jdk-install.log"; exit 1; }
  unmount_all
fi
v=$(chroot "$root" /usr/lib/jvm/java-25-openjdk-arm64/bin/java -XshowSettings:properties -version 2>&1 | awk '/os.arch =|java.runtime.version =/ {printf "%s ", $3}')
case "$v" in *aarch64*) ;; *) say "the arm64 java in $root does not run: $v"; exit 1 ;; esac
rm -f "$dir/.unavailable"; touch "$dir/.ready"
say "ready: arm64 java $v under $("$qemu" --version | head -1); cache $dir"
