#!/bin/sh
# Run inside the arm64 root by check 95-arm64-host, from the repository (mounted at the same path):
# serves a GH200 with the given Java command line, lists it with jvfio lspci -vvv, stops it with
# SIGTERM. Prints "serve ready after N s", "LSPCI-RC N" with lspci's output, and "SERVE-RC N"
# (or SERVE-NOT-READY and the serve log). Usage: arm64-host-smoke.sh JAVA [JAVA OPTIONS...]
s=$(mktemp -d /tmp/jvfio-a64.XXXXXX)
t=$(date +%s)
"$@" serve --profile gh200 --socket "$s/gpu0.sock" >"$s/serve.log" 2>&1 &
pid=$!
i=0
until grep -q 'jvfio: ready' "$s/serve.log"; do
  i=$((i + 1))
  [ $i -le 600 ] && kill -0 $pid 2>/dev/null || { echo 'SERVE-NOT-READY'; cat "$s/serve.log"; kill $pid; exit 1; }
  sleep 0.1
done
echo "serve ready after $(($(date +%s) - t)) s"
"$@" lspci --socket "$s/gpu0.sock" -vvv >"$s/lspci.txt" 2>&1
echo "LSPCI-RC $?"
cat "$s/lspci.txt"
kill -TERM $pid
wait $pid
echo "SERVE-RC $?"
rm -rf "$s"
