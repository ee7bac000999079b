# Sourced by the guest before each test script: result lines and PCI lookups (busybox sh).
pass() { echo "E2E PASS $1"; }
fail() { echo "E2E FAIL $1: $2"; }
skip() { echo "E2E SKIP $1: $2"; }
info() { echo "E2E INFO $*"; }
# check NAME CONDITION-COMMAND... : PASS if the command succeeds, else FAIL with its output
check() {
  local name=$1; shift
  local out
  if out=$("$@" 2>&1); then pass "$name"; else fail "$name" "$(echo "$out" | tr '\n' ' ' | cut -c1-300)"; fi
}
# pci_devs VENDOR DEVICE: sysfs paths of matching functions (ids as 0x10de 0x2348)
pci_devs() {
  local d
  for d in /sys/bus/pci/devices/*; do
    [ "$(cat "$d/vendor")" = "$1" ] && [ "$(cat "$d/device")" = "$2" ] && echo "$d"
  done
}
# bar DEV N: "start end flags" of BAR N (from the sysfs resource file, hex)
bar() { sed -n "$(( $2 + 1 ))p" "$1/resource"; }
bar_size() { set -- $(bar "$1" "$2"); if [ $(( $1 )) -eq 0 ] && [ $(( $2 )) -eq 0 ]; then echo 0; else echo $(( $2 - $1 + 1 )); fi; }
bar_flags() { set -- $(bar "$1" "$2"); echo $(( $3 )); }
# IORESOURCE_MEM 0x200, IORESOURCE_PREFETCH 0x2000, IORESOURCE_MEM_64 0x100000
is_mem64_pref() { local f; f=$(bar_flags "$1" "$2"); [ $(( f & 0x200 )) -ne 0 ] && [ $(( f & 0x2000 )) -ne 0 ] && [ $(( f & 0x100000 )) -ne 0 ]; }
# config dump in lspci -xxxx format (pciutils' lspci -F reads it back on the host)
config_dump() {
  echo "$(basename "$1" | cut -d: -f2-) x"
  hexdump -v -e '"%03_ax: " 16/1 "%02x " "\n"' "$1/config" | sed 's/^0\([0-9a-f][0-9a-f]\):/\1:/'
}
# cfg_write DEV OFFSET BYTE...: writes bytes (decimal or 0x hex) into config space through sysfs
cfg_write() {
  local dev=$1 off=$2 b s=""; shift 2
  for b in "$@"; do s="$s$(printf '\\%03o' $(( b )))"; done
  printf "$s" | dd of="$dev/config" bs=1 seek=$(( off )) conv=notrunc 2>/dev/null
}
# cfg_read16 DEV OFFSET: a 16-bit config register, as a decimal number
cfg_read16() { echo $(( $(hexdump -s $(( $2 )) -n 2 -e '1/2 "%u"' "$1/config") )); }
# mem_enable DEV: sets Command.Memory (bit 1) so the BARs decode (no driver did it)
mem_enable() { local c; c=$(cfg_read16 "$1" 4); cfg_write "$1" 4 $(( (c | 2) & 255 )) $(( (c >> 8) & 255 )); }
# expect NAME ACTUAL EXPECTED: PASS if the two strings are equal, else FAIL naming both
expect() { if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "got '$2', want '$3'"; fi; }
