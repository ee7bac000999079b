# Sourced by the guest scripts of check 35-numa-online (numa-online, numa-strict, numa-2gpu):
# the functions they share, then the memory block size and the onlining policy.
bad() { echo "$*"; return 1; }
# node_of DEV PXM: the guest node the module put DEV's memory for proximity domain PXM into (from its log)
node_of() { modmsg | sed -n "s/.*$(basename $1): node \([0-9]*\): added .*, PXM $2\$/\1/p" | tail -1; }
gi_nodes() { # the generic-initiator nodes, one a line (from "2-9" or "2-17")
  r=$(cat /sys/devices/system/node/has_generic_initiator); seq ${r%-*} ${r#*-}
}
node_kb() { # NODE: MemTotal in kB (0 when the node is offline: a memoryless node goes away with its memory)
  if [ -r /sys/devices/system/node/node$1/meminfo ]; then awk '/MemTotal/ {print $4}' /sys/devices/system/node/node$1/meminfo; else echo 0; fi
}
node_line() { # NODE: "MemTotal X kB MemFree Y kB" for INFO lines
  if [ -r /sys/devices/system/node/node$1/meminfo ]; then
    awk '/MemTotal|MemFree/ {printf "%s %s kB ", $3, $4}' /sys/devices/system/node/node$1/meminfo
  else echo "offline (no meminfo)"; fi
}
blocks_movable() { # NODE: every memory block of the node online in ZONE_MOVABLE
  n=0
  for b in /sys/devices/system/node/node$1/memory*; do
    [ -e "$b/state" ] || continue
    n=$((n + 1))
    [ "$(cat $b/state)" = online ] || { echo "$(basename $b) $(cat $b/state)"; return 1; }
    case "$(cat $b/valid_zones)" in Movable*) ;; *) echo "$(basename $b) zones $(cat $b/valid_zones)"; return 1;; esac
  done
  [ $n -gt 0 ] || { echo "node $1 has no memory blocks"; return 1; }
}
modmsg() { dmesg | grep 'nvgrace' | sed 's/^\[[^]]*\] //'; }
# touch DEV NODE TAG PAGES: numa-touch into NODE; INFO "touch TAG OFFSET TEXT" per page (OFFSET in BAR4)
touch_node() {
  b4=$(bar $1 4 | cut -d' ' -f1)
  numa-touch $2 $4 $3 >/tmp/touch.$3 2>&1; rc=$?
  check "numa-touch-$3-node$2" eval "[ $rc = 0 ] || bad \"\$(cat /tmp/touch.$3)\""
  grep '^PAGE ' /tmp/touch.$3 | while read -r _ i nd ph tx; do
    phys=${ph#phys=}
    info "touch $3 $(printf '0x%x' $(( phys - b4 ))) ${tx#text=}"
  done
  info "$(tail -1 /tmp/touch.$3)"
}
mb=$(( $(cat /sys/devices/system/memory/block_size_bytes | sed 's/^/0x/') ))
info "memory block $((mb >> 20)) MiB; generic-initiator nodes $(cat /sys/devices/system/node/has_generic_initiator 2>/dev/null)"
# dax/kmem and the vendor driver leave onlining to this policy: movable, so the memory can go again
echo online_movable >/sys/devices/system/memory/auto_online_blocks
