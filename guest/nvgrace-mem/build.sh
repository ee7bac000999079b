#!/bin/sh
# Builds nvgrace_mem.ko against an unpacked Debian kernel-headers tree.
#
#   guest/nvgrace-mem/build.sh KDIR OUTDIR
#
# KDIR is the linux-headers-<kver> directory (e.g. .../kroot/usr/src/linux-headers-6.1.0-57-amd64)
# unpacked with `dpkg -x` together with linux-headers-<kver>-common and linux-kbuild-<series> into
# one root. Debian's headers refer to the -common tree and to kbuild by absolute /usr/src and
# /usr/lib paths (the Makefile's `include`, some symlinks); this script does not need them fixed:
# it builds through a wrapper makefile that includes the -common Makefile found next to KDIR, and
# kbuild's scripts are reached through KDIR's relative `scripts` link. The source is copied to
# OUTDIR (kbuild writes its objects next to the source); OUTDIR/nvgrace_mem.ko is the result.
# Needs the compiler that built the kernel (Debian bookworm: gcc-12) and make.
set -eu
[ $# -eq 2 ] || { echo "usage: $0 KDIR OUTDIR" >&2; exit 2; }
kdir=$(cd "$1" && pwd)
mkdir -p "$2"
out=$(cd "$2" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
inc=$(sed -n 's/^include //p' "$kdir/Makefile" | head -1)
if [ -n "$inc" ] && [ ! -e "$inc" ]; then
    # /usr/src/linux-headers-X-common/Makefile: take the same name next to KDIR
    inc="$(dirname "$kdir")/$(basename "$(dirname "$inc")")/Makefile"
fi
[ -z "$inc" ] || [ -e "$inc" ] || { echo "$0: cannot find the Makefile $kdir/Makefile includes" >&2; exit 1; }
cp "$here/nvgrace_mem.c" "$here/Kbuild" "$out/"
if [ -n "$inc" ]; then
    printf 'include %s\n' "$inc" > "$out/.kdir.mk"
    mk="-f $out/.kdir.mk"
else
    mk=""
fi
# shellcheck disable=SC2086
make -s -C "$kdir" $mk M="$out" modules >"$out/build.log" 2>&1 || { cat "$out/build.log" >&2; exit 1; }
[ -f "$out/nvgrace_mem.ko" ] || { cat "$out/build.log" >&2; exit 1; }
echo "$out/nvgrace_mem.ko"
