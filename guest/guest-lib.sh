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
# Config space through the sysfs config file. cfg_bytes DEV OFFSET COUNT: the bytes as hex in address
# order (cfg_bytes $dev 4 2 -> "0601"; dd reads only those bytes: each is a trapped access in a
# guest, and hexdump -s would read the whole 4 KiB); cfg_rd16 DEV OFFSET: a 16-bit register (decimal);
# cfg_wr16 DEV OFFSET VALUE; mem_enable DEV: sets Command.Memory (bit 1) if it is clear.
cfg_bytes() { dd if="$1/config" bs=1 skip=$(( $2 )) count=$(( $3 )) 2>/dev/null | hexdump -v -e '1/1 "%02x"'; }
cfg_rd16() { local b; b=$(cfg_bytes "$1" "$2" 2); echo $(( 0x${b#??}${b%??} )); }
cfg_wr16() {
  printf "$(printf '\\%03o\\%03o' $(( $3 & 255 )) $(( ($3 >> 8) & 255 )))" |
    dd of="$1/config" bs=1 seek=$(( $2 )) count=2 conv=notrunc 2>/dev/null
}
mem_enable() { local c; c=$(cfg_rd16 "$1" 4); [ $(( c & 2 )) -ne 0 ] || cfg_wr16 "$1" 4 $(( c | 2 )); }
# uptime_cs: time since boot in centiseconds (busybox has no sub-second date)
uptime_cs() { local u; read -r u _ </proc/uptime; u=$(echo "$u" | tr -d . | sed 's/^0*//'); echo "${u:-0}"; }
# cfg_wr_hex DEV OFFSET HEX: writes the bytes HEX (address order, as cfg_bytes prints them) in
# 4-byte writes where the offset and length allow (BAR registers), else byte by byte
cfg_wr_hex() {
  local h=$3 s="" bs=1
  while [ -n "$h" ]; do s="$s\\$(printf %03o 0x${h%"${h#??}"})"; h=${h#??}; done
  [ $(( $2 % 4 )) -eq 0 ] && [ $(( ${#3} % 8 )) -eq 0 ] && bs=4
  printf "$s" | dd of="$1/config" bs=$bs seek=$(( $2 / bs )) conv=notrunc 2>/dev/null
}
# expect NAME ACTUAL EXPECTED: PASS if the two strings are equal, else FAIL naming both
expect() { if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "got '$2', want '$3'"; fi; }
