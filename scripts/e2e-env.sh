#!/usr/bin/env bash
# Prepares everything the guest suite (scripts/e2e.sh) needs, in a cache directory, idempotently:
#   - QEMU >= 10.1 with vfio-user-pci: Debian trixie-backports' qemu-system-x86 in a minimal trixie
#     root made with debootstrap (bookworm's 7.2 and trixie's 10.0 lack vfio-user-pci), run through
#     that root's own dynamic loader so no chroot (and no root) is needed to run it;
#   - a test guest: Debian's bookworm kernel (6.1) as an uncompressed vmlinux (a bzImage decompresses
#     slowly under TCG), the few modules the tests load, its headers (to build guest test modules)
#     and busybox-static for the initramfs;
#   - the libvirt leg: trixie-backports' libvirt-daemon, libvirt-daemon-driver-qemu and libvirt-clients
#     in the same root (the suite starts libvirtd there in a chroot, as root);
#   - the package leg: openjdk-25-jre-headless (what jvfio's .deb depends on), man-db, systemd (for
#     systemd-analyze) and lintian in the same root, where the suite installs and checks the .deb;
#   - the arm64 leg (Grace hosts run arm64 guests): qemu-system-aarch64 and UEFI (qemu-efi-aarch64)
#     from the same root, bookworm's arm64 kernel Image, modules and busybox (dpkg architecture
#     arm64), and gcc-aarch64-linux-gnu on the host for the static guest helpers;
#   - the arm64 host leg (jvfio itself on an arm64 userland under qemu user-mode emulation), made by
#     scripts/arm64-host-env.sh under $cache/arm64-host; optional: if it cannot be made, one line
#     says why and only that check is skipped.
# Only Debian's archive is used; its URL is taken from this machine's own apt sources.
#
# Usage: scripts/e2e-env.sh [--qemu PATH] [--arch x86_64|aarch64|all] [--check]
#   --qemu PATH  use this QEMU binary (x86_64) instead of provisioning one (it must list vfio-user-pci)
#   --arch A     which guest legs to prepare (default: all)
#   --check      provision nothing; exit 0 if the cache is ready, else say what is missing
# Cache: $JVFIO_E2E_CACHE, default ~/.cache/jvfio/e2e. A second run takes seconds.
# Exit: 0 ready; 3 this machine cannot provision (one line on stderr says why); 1 other failure.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${JVFIO_E2E_CACHE:-$HOME/.cache/jvfio/e2e}
qemu_given="" check_only="" arch=all
while [ $# -gt 0 ]; do
  case "$1" in
    --qemu) qemu_given=$2; shift 2 ;;
    --qemu=*) qemu_given=${1#--qemu=}; shift ;;
    --check) check_only=1; shift ;;
    --arch) arch=$2; shift 2 ;;
    --arch=*) arch=${1#--arch=}; shift ;;
    -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "e2e-env: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

say() { echo "e2e-env: $*" >&2; }
cannot() { say "cannot provision the guest environment: $*"; exit 3; }

# The kernel series of the test guest: bookworm's, built with the same gcc-12 as this Debian's, so
# guest modules build with the host compiler.
kernel_meta=linux-image-amd64
case "$arch" in
  x86_64) legs=(x86_64) ;;
  aarch64) legs=(aarch64) ;;
  all) legs=(x86_64 aarch64) ;;
  *) echo "e2e-env: --arch must be x86_64, aarch64 or all, not '$arch'" >&2; exit 2 ;;
esac
want_leg() { local l; for l in "${legs[@]}"; do [ "$l" = "$1" ] && return 0; done; return 1; }
qemu_packages=(qemu-system-x86 seabios)
# the libvirt leg (scripts/e2e/checks/88-libvirt.sh): libvirtd and virsh, run by the suite in a chroot
# of the root (no systemd there); QEMU under libvirt is the same qemu-system-x86
want_leg x86_64 && qemu_packages+=(libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients)
# the package leg (scripts/e2e/checks/97-deb-package.sh): the runtime the .deb depends on, and what
# checks the package there: man (man-db), systemd-analyze (systemd) and lintian
want_leg x86_64 && qemu_packages+=(openjdk-25-jre-headless man-db systemd lintian)
want_leg aarch64 && qemu_packages+=(qemu-system-arm qemu-efi-aarch64)
root=$cache/trixie-root
x86=$cache/x86
aa64=$cache/aarch64

# The arm64 host leg (scripts/arm64-host-env.sh): optional; when it cannot be prepared its check
# (scripts/e2e/checks/95-arm64-host.sh) is skipped with the one line this prints.
arm64_host() {
  [ -n "$check_only" ] && return 0
  JVFIO_E2E_CACHE=$cache "$here/scripts/arm64-host-env.sh" \
    || say "the arm64 host leg is not prepared (exit $?); its check will be skipped"
}
ready_stamp=$cache/.ready-$arch
# (ready only if the root has this package list: a list that grew since, e.g. the libvirt leg, is installed below)
if [ -f "$ready_stamp" ] && [ -z "$qemu_given" ] && [ -f "$cache/env.sh" ] \
    && [ "$(cat "$root/.jvfio-packages" 2>/dev/null)" = "${qemu_packages[*]}" ]; then
  . "$cache/env.sh"
  if [ -x "$E2E_QEMU_X86" ] && [ -f "$E2E_KERNEL_X86" ]; then
    say "ready (cached in $cache): $("$E2E_QEMU_X86" --version | head -1)${E2E_KERNEL_AA64:+; arm64 leg too}"
    arm64_host
    exit 0
  fi
fi
if [ -n "$check_only" ]; then
  say "not ready: run scripts/e2e-env.sh (as root on Debian) to prepare $cache"
  exit 1
fi

# ---- can this machine provision at all? ----
[ -f /etc/debian_version ] && command -v apt-get >/dev/null || cannot "not a Debian system (needs apt-get and Debian's archive)"
[ "$(id -u)" = 0 ] || cannot "needs root (debootstrap, apt-get download/install); run it as root once, later runs reuse $cache"

archive_url() {
  # The first Debian (not security) archive named in this machine's apt sources.
  local f url
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    url=$(awk '/^URIs:/ {print $2}' "$f" | grep -E '/debian/?$' | head -1 || true)
    [ -n "$url" ] && { echo "${url%/}"; return 0; }
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    url=$(awk '$1=="deb" {for (i=2;i<=NF;i++) if ($i ~ /^[a-z]+:\/\//) {print $i; break}}' "$f" | grep -E '/debian/?$' | head -1 || true)
    [ -n "$url" ] && { echo "${url%/}"; return 0; }
  done
  return 1
}
url=$(archive_url) || cannot "no Debian archive (a URI ending in /debian) in /etc/apt/sources.list*"

mkdir -p "$cache" "$x86"
need_host=()
tools=(debootstrap:debootstrap cpio:cpio xz:xz-utils gcc:gcc make:make lspci:pciutils)
want_leg aarch64 && tools+=(aarch64-linux-gnu-gcc:gcc-aarch64-linux-gnu)
for tool in "${tools[@]}"; do
  command -v "${tool%%:*}" >/dev/null || need_host+=("${tool#*:}")
done
if [ ${#need_host[@]} -gt 0 ]; then
  say "installing host tools: ${need_host[*]}"
  apt-get update -qq >/dev/null 2>&1 || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_host[@]}" >/dev/null || cannot "apt-get install ${need_host[*]} failed"
fi

# ---- QEMU ----
write_qemu_wrapper() { # $1 = binary name in the root
  mkdir -p "$cache/bin"
  local w="$cache/bin/$1" libs="$root/lib/x86_64-linux-gnu:$root/usr/lib/x86_64-linux-gnu"
  cat >"$w" <<EOF
#!/bin/sh
# QEMU from the trixie root at $root, run with that root's loader and libraries (no chroot).
export QEMU_MODULE_DIR="$root/usr/lib/x86_64-linux-gnu/qemu"
exec "$root/lib64/ld-linux-x86-64.so.2" --library-path "$libs" "$root/usr/bin/$1" -L "$root/usr/share/qemu" -L "$root/usr/share/seabios" "\$@"
EOF
  chmod +x "$w"
}

if [ -n "$qemu_given" ]; then
  [ -x "$qemu_given" ] || { say "--qemu $qemu_given: not an executable"; exit 2; }
  "$qemu_given" -device help 2>/dev/null | grep -q '"vfio-user-pci"' \
    || { say "--qemu $qemu_given: it has no vfio-user-pci device (QEMU >= 10.1 needed)"; exit 2; }
  qemu_x86=$(readlink -f "$qemu_given")
else
  if [ ! -f "$root/.jvfio-ready" ]; then
    rm -rf "$root.tmp"
    say "debootstrap trixie (minbase) from $url (about 30 s)"
    debootstrap --variant=minbase trixie "$root.tmp" "$url" >"$cache/debootstrap.log" 2>&1 \
      || { say "debootstrap failed, see $cache/debootstrap.log"; exit 1; }
    rm -rf "$root"; mv "$root.tmp" "$root"
    echo "deb $url trixie-backports main" >"$root/etc/apt/sources.list.d/backports.list"
    touch "$root/.jvfio-ready"
  fi
  wanted="${qemu_packages[*]}"
  if [ "$(cat "$root/.jvfio-packages" 2>/dev/null)" != "$wanted" ]; then
    say "installing ${qemu_packages[*]} from trixie-backports into the root (about 1-2 min)"
    mount -t proc proc "$root/proc"
    trap 'umount "$root/proc" 2>/dev/null || true' EXIT
    if ! chroot "$root" /bin/sh -c "export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && \
        apt-get install -y -qq --no-install-recommends -t trixie-backports ${qemu_packages[*]}" \
        >"$cache/qemu-install.log" 2>&1; then
      say "apt-get in the trixie root failed, see $cache/qemu-install.log"; exit 1
    fi
    umount "$root/proc"; trap - EXIT
    echo "$wanted" >"$root/.jvfio-packages"
  fi
  write_qemu_wrapper qemu-system-x86_64
  qemu_x86=$cache/bin/qemu-system-x86_64
  want_leg aarch64 && write_qemu_wrapper qemu-system-aarch64
  "$qemu_x86" -device help 2>/dev/null | grep -q '"vfio-user-pci"' \
    || { say "the provisioned QEMU has no vfio-user-pci: $("$qemu_x86" --version | head -1)"; exit 1; }
fi

# ---- the test guest (bookworm kernel, modules, headers, busybox) ----
if [ ! -f "$x86/.ready" ]; then
  debs=$cache/debs; mkdir -p "$debs"
  apt-get update -qq >/dev/null 2>&1 || true
  image=$(apt-cache depends "$kernel_meta" 2>/dev/null | awk '/Depends: linux-image-/ {print $2; exit}')
  [ -n "$image" ] || { say "cannot resolve $kernel_meta to a kernel package"; exit 1; }
  kver=${image#linux-image-}
  series=$(echo "$kver" | cut -d. -f1-2)
  headers_common=linux-headers-${kver%-*}-common
  say "downloading $image, its headers and busybox-static"
  (cd "$debs" && apt-get download -qq "$image" "linux-headers-$kver" "$headers_common" "linux-kbuild-$series" busybox-static >/dev/null 2>&1) \
    || { say "apt-get download failed for $image / headers / busybox-static"; exit 1; }
  rm -rf "$x86.tmp"; mkdir -p "$x86.tmp/pkg" "$x86.tmp/kroot" "$x86.tmp/modules"
  dpkg -x "$(ls "$debs"/"$image"_*.deb | tail -1)" "$x86.tmp/pkg"
  for p in "linux-headers-$kver" "$headers_common" "linux-kbuild-$series"; do
    dpkg -x "$(ls "$debs"/"$p"_*.deb | tail -1)" "$x86.tmp/kroot"
  done
  bb=$(mktemp -d); dpkg -x "$(ls "$debs"/busybox-static_*.deb | tail -1)" "$bb"; cp "$bb/bin/busybox" "$x86.tmp/busybox"; rm -rf "$bb"
  # vmlinux: the bzImage carries the kernel as an XZ stream; find its magic and decompress it.
  vmlinuz=$x86.tmp/pkg/boot/vmlinuz-$kver
  off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$vmlinuz" | head -1 | cut -d: -f1 || true)
  [ -n "$off" ] || { say "no XZ payload in $vmlinuz"; exit 1; }
  tail -c +$((off + 1)) "$vmlinuz" | xz -dc 2>/dev/null >"$x86.tmp/vmlinux" || true
  head -c 4 "$x86.tmp/vmlinux" | grep -q 'ELF' || { say "could not extract vmlinux from $vmlinuz"; exit 1; }
  # The modules the tests load, flat (busybox insmod takes paths; order is the caller's).
  mods=$x86.tmp/pkg/lib/modules/$kver/kernel
  for m in drivers/firmware/qemu_fw_cfg drivers/uio/uio drivers/uio/uio_pci_generic; do
    cp "$mods/$m.ko" "$x86.tmp/modules/"
  done
  cp "$x86.tmp/pkg/boot/config-$kver" "$x86.tmp/config"
  rm -rf "$x86.tmp/pkg"
  echo "$kver" >"$x86.tmp/kver"
  rm -rf "$x86"; mv "$x86.tmp" "$x86"
  # The headers refer to the -common tree and kbuild by absolute /usr/src and /usr/lib paths (an
  # include in the Makefile, some symlinks): point those into kroot so guest modules build against
  # this tree without installing anything on the host.
  sed -i "s#include /usr/src/#include $x86/kroot/usr/src/#" "$x86/kroot/usr/src/linux-headers-$kver/Makefile"
  find "$x86/kroot" -type l | while read -r l; do
    t=$(readlink "$l"); case "$t" in /usr/*|/lib/*) ln -sfn "$x86/kroot$t" "$l" ;; esac
  done
  touch "$x86/.ready"
fi
kver=$(cat "$x86/kver")

# ---- the arm64 test guest ----
if want_leg aarch64 && [ ! -f "$aa64/.ready" ]; then
  debs=$cache/debs; mkdir -p "$debs"
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    say "adding dpkg architecture arm64 (to download arm64 packages)"
    dpkg --add-architecture arm64
  fi
  apt-get update -qq >/dev/null 2>&1 || true
  image=$(apt-cache depends linux-image-arm64:arm64 2>/dev/null | awk '/Depends: linux-image-/ {sub(/:arm64$/, "", $2); print $2; exit}')
  [ -n "$image" ] || { say "cannot resolve linux-image-arm64:arm64 to a kernel package"; exit 1; }
  akver=${image#linux-image-}
  say "downloading $image and busybox-static (arm64)"
  (cd "$debs" && apt-get download -qq "$image:arm64" busybox-static:arm64 >/dev/null 2>&1) \
    || { say "apt-get download failed for $image:arm64 / busybox-static:arm64"; exit 1; }
  rm -rf "$aa64.tmp"; mkdir -p "$aa64.tmp/pkg" "$aa64.tmp/modules"
  dpkg -x "$(ls "$debs"/"$image"_*_arm64.deb | tail -1)" "$aa64.tmp/pkg"
  bb=$(mktemp -d); dpkg -x "$(ls "$debs"/busybox-static_*_arm64.deb | tail -1)" "$bb"; cp "$bb/bin/busybox" "$aa64.tmp/busybox"; rm -rf "$bb"
  # Debian's arm64 vmlinuz is the uncompressed Image already.
  cp "$aa64.tmp/pkg/boot/vmlinuz-$akver" "$aa64.tmp/Image"
  mods=$aa64.tmp/pkg/lib/modules/$akver/kernel
  for m in drivers/firmware/qemu_fw_cfg drivers/uio/uio drivers/uio/uio_pci_generic; do
    cp "$mods/$m.ko" "$aa64.tmp/modules/"
  done
  cp "$aa64.tmp/pkg/boot/config-$akver" "$aa64.tmp/config"
  rm -rf "$aa64.tmp/pkg"
  echo "$akver" >"$aa64.tmp/kver"
  rm -rf "$aa64"; mv "$aa64.tmp" "$aa64"
  touch "$aa64/.ready"
fi
aa64_env=""
if want_leg aarch64 && [ -z "$qemu_given" ]; then
  aa64_env="E2E_QEMU_AA64=\"$cache/bin/qemu-system-aarch64\"
E2E_FIRMWARE_AA64=\"$root/usr/share/qemu-efi-aarch64/QEMU_EFI.fd\"
E2E_KERNEL_AA64=\"$aa64/Image\"
E2E_KVER_AA64=\"$(cat "$aa64/kver")\"
E2E_MODULES_AA64=\"$aa64/modules\"
E2E_BUSYBOX_AA64=\"$aa64/busybox\"
E2E_CC_AA64=\"$(command -v aarch64-linux-gnu-gcc)\""
fi

cat >"$cache/env.sh" <<EOF
# Written by scripts/e2e-env.sh; sourced by scripts/e2e.sh.
E2E_CACHE="$cache"
E2E_QEMU_X86="$qemu_x86"
E2E_KERNEL_X86="$x86/vmlinux"
E2E_KVER_X86="$kver"
E2E_KDIR_X86="$x86/kroot/usr/src/linux-headers-$kver"
E2E_MODULES_X86="$x86/modules"
E2E_BUSYBOX_X86="$x86/busybox"
$aa64_env
EOF
touch "$ready_stamp"
arm64_host
say "ready: $("$qemu_x86" --version | head -1); guest kernel $kver${aa64_env:+; arm64 guest kernel $(cat "$aa64/kver")}; cache $cache"
