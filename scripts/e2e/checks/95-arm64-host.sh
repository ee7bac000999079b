# The arm64 host leg (Grace machines are arm64 hosts): jvfio's own bytecode, built on this machine,
# run by Debian trixie's arm64 OpenJDK 25 in an arm64 Debian root under qemu user-mode emulation
# (scripts/arm64-host-env.sh prepares it). Two parts, each run in a private mount namespace with
# /proc, /dev, /sys and the repository (at the same path) mounted into the root, unmounted on exit:
#   tests  the os, transport and server test classes through the JUnit console launcher; a CI run
#          leaves out the classes listed in ARM64_HOST_SLOW below, JVFIO_ARM64_HOST_FULL=1 runs all;
#          MappedMemoryTest must pass in full (its file-size guard reads no struct stat, whose layout
#          differs on aarch64);
#   smoke  serve a GH200, jvfio lspci -vvv of it (scripts/e2e/arm64-host-smoke.sh), fuzz --seconds 10.
# Run by scripts/e2e.sh (or alone: scripts/arm64-host.sh). Needs root (chroot, mounts).
arm64_host_leg() {
  local cache=${JVFIO_E2E_CACHE:-$HOME/.cache/jvfio/e2e}
  local dir=$cache/arm64-host repo=$E2E_REPO
  local root=$dir/root out=$WORK/arm64-host java=/usr/lib/jvm/java-25-openjdk-arm64/bin/java
  if [ ! -f "$dir/.ready" ]; then
    skip "arm64-host" "not provisioned: $(cat "$dir/.unavailable" 2>/dev/null || echo "run scripts/e2e-env.sh as root on Debian")"
    return 0
  fi
  if [ "$(id -u)" != 0 ]; then skip "arm64-host" "needs root (chroot and mounts)"; return 0; fi
  "$repo/scripts/arm64-host-env.sh" --binfmt || { fail "arm64-host/binfmt" "cannot register qemu-aarch64 with binfmt_misc"; return 0; }
  mkdir -p "$out"

  # ---- on this machine: the build (CI's verify made it) and the test class path ----
  local mvn=("$repo/mvnw" -q -B)
  if [ ! -f "$repo/target/jvfio.jar" ] || [ ! -d "$repo/target/test-classes/dev/jvfio/os" ]; then
    note "arm64-host: building (package test-compile)"
    (cd "$repo" && JVFIO_SKIP_DEBIAN=1 "${mvn[@]}" -DskipTests package test-compile) >"$out/build.log" 2>&1 \
      || { fail "arm64-host/build" "$(tail -5 "$out/build.log" | tr '\n' ' ')"; return 0; }
  fi
  # The test dependencies as jar files under target/ (the root sees the repository, not ~/.m2), less
  # JUnit's own: the console launcher (standalone, the pom's JUnit version) brings those.
  local junit lib=$repo/target/arm64-host/lib
  junit=$(sed -n 's:.*<junit.version>\(.*\)</junit.version>.*:\1:p' "$repo/pom.xml" | head -1)
  if [ ! -f "$lib/.done-$junit" ]; then
    rm -rf "$lib"; mkdir -p "$lib"
    (cd "$repo" && "${mvn[@]}" dependency:copy-dependencies -DincludeScope=test -DoutputDirectory="$lib" \
        -DexcludeGroupIds=org.junit.jupiter,org.junit.platform,org.junit \
      && "${mvn[@]}" dependency:copy -Dartifact="org.junit.platform:junit-platform-console-standalone:$junit" \
        -DoutputDirectory="$lib") >"$out/deps.log" 2>&1 \
      || { fail "arm64-host/deps" "$(tail -5 "$out/deps.log" | tr '\n' ' ')"; return 0; }
    touch "$lib/.done-$junit"
  fi
  local cp=$repo/target/test-classes:$repo/target/classes j
  for j in "$lib"/*.jar; do cp=$cp:$j; done

  # Classes left out of the CI run (JVFIO_ARM64_HOST_FULL=1 runs them too). Under emulation the
  # JVM runs 10-20x slower and the whole set takes well over the leg's ~5 minutes; these are the
  # slowest natively (seconds, x86-64) and add least on aarch64: what they test is the kernel's
  # behaviour (the host's under qemu-user) or timing, not the aarch64 ABI, which the rest covers.
  local ARM64_HOST_SLOW=(
    dev.jvfio.server.HostileInputTest          # 10.7 s: dozens of hostile clients, each waited out
    dev.jvfio.server.FdLeakTest                # 4.5 s: fd counts over many sessions
    dev.jvfio.transport.ConnectionScratchTest  # 3.4 s
    dev.jvfio.server.ChildProcessClientTest    # 3.0 s: child JVMs (each ~10 s to start emulated)
    dev.jvfio.transport.CrossProcessTest       # 2.0 s: child JVMs
    dev.jvfio.server.AnnouncedLimitsTest       # 2.2 s: 8191 DMA maps, the mapping budget (E2E-10: no exhaustion tests emulated)
    dev.jvfio.server.SessionAllocationTest     # 2.0 s: allocation counts after JIT warm-up
    dev.jvfio.transport.MessagePathAllocationTest # 1.5 s: same
    dev.jvfio.transport.ConcurrentTrafficTest  # 1.0 s: threads hammering one connection
    dev.jvfio.server.TraceReplayTest           # 1.4 s natively but 77 s of 235 emulated: replays recorded QEMU sessions, protocol logic only
  )
  local excludes=() c
  if [ -z "${JVFIO_ARM64_HOST_FULL:-}" ]; then
    for c in "${ARM64_HOST_SLOW[@]}"; do excludes+=(--exclude-classname "^${c//./\\.}\$"); done
  fi

  # ---- in the arm64 root ----
  # in_root SCRIPT: runs SCRIPT with sh in the root, in a mount namespace of its own (mounts
  # vanish with it even if killed) and, belt and braces, unmounted by a trap on the way out.
  in_root() {
    unshare --mount --propagation private /bin/bash -c '
      root=$1 repo=$2; shift 2
      m=()
      undo() { local i; for ((i=${#m[@]}-1; i>=0; i--)); do umount "${m[i]}" 2>/dev/null || umount -l "${m[i]}"; done; }
      trap undo EXIT
      mount -t proc proc "$root/proc" && m+=("$root/proc") || exit 97
      mount --bind /dev "$root/dev" && m+=("$root/dev") || exit 97
      mount --bind /sys "$root/sys" && m+=("$root/sys") || exit 97
      mkdir -p "$root$repo" && mount --bind "$repo" "$root$repo" && m+=("$root$repo") || exit 97
      chroot "$root" /bin/sh -c "cd \"$repo\" && $1"
    ' in_root "$root" "$repo" "$1"
  }

  local t0=$SECONDS rc
  rm -rf "$repo/target/arm64-host/reports"
  note "arm64-host: $(in_root "$java -version 2>&1 | head -1") on $(in_root 'uname -m') ($("$dir/qemu-aarch64" --version | head -1))"
  in_root "$java --enable-native-access=ALL-UNNAMED -Xmx1g -cp '$cp' org.junit.platform.console.ConsoleLauncher execute \
      --disable-banner --disable-ansi-colors --details=tree --reports-dir=target/arm64-host/reports \
      --select-package=dev.jvfio.os --select-package=dev.jvfio.transport --select-package=dev.jvfio.server \
      ${excludes[*]}" >"$out/tests.log" 2>&1
  rc=$?
  local ok failed total skipped
  ok=$(sed -n 's/.*\[ *\([0-9]*\) tests successful.*/\1/p' "$out/tests.log" | tail -1)
  failed=$(sed -n 's/.*\[ *\([0-9]*\) tests failed.*/\1/p' "$out/tests.log" | tail -1)
  total=$(sed -n 's/.*\[ *\([0-9]*\) tests found.*/\1/p' "$out/tests.log" | tail -1)
  skipped=$(sed -n 's/.*\[ *\([0-9]*\) tests skipped.*/\1/p' "$out/tests.log" | tail -1)
  local what="os, transport, server${excludes:+ (CI subset: ${#ARM64_HOST_SLOW[@]} classes left out)}"
  if [ "$rc" = 0 ] && [ -n "$ok" ]; then
    pass "arm64-host/tests ($what: $ok passed, ${skipped:-0} skipped of ${total:-?}, $((SECONDS - t0)) s)"
  else
    fail "arm64-host/tests" "$what: ${ok:-?} passed, ${failed:-?} failed of ${total:-?} (exit $rc), see $out/tests.log: $(grep -E '✘|JUnit Jupiter:.*MethodSource' "$out/tests.log" | head -5 | tr '\n' ' ' | cut -c1-400)"
  fi
  # the slowest classes of this run, to keep ARM64_HOST_SLOW honest
  note "arm64-host: slowest classes: $(awk -F'"' '/<testcase /{for(i=1;i<NF;i++){if($i~/classname=$/)c=$(i+1); if($i~/ time=$/)t=$(i+1)}; s[c]+=t}
      END{for(k in s) printf "%.0f %s\n", s[k], k}' "$repo/target/arm64-host/reports/TEST-junit-jupiter.xml" 2>/dev/null \
      | sort -rn | head -5 | awk '{sub(/.*\./, "", $2); printf "%s %s s, ", $2, $1}')"
  # MappedMemoryTest on its own line: its past-the-end guard is the test a native struct layout that
  # differs on aarch64 would break.
  local xml=$repo/target/arm64-host/reports/TEST-junit-jupiter.xml mm_all mm_bad
  mm_all=$(grep -c 'classname="dev.jvfio.os.MappedMemoryTest"' "$xml" 2>/dev/null); mm_all=${mm_all:-0}
  mm_bad=$(awk '/<testcase / {inmm = /classname="dev.jvfio.os.MappedMemoryTest"/; name=$0; sub(/.*name="/, "", name); sub(/".*/, "", name)}
                inmm && /<(failure|error|skipped)/ {print name}' "$xml" 2>/dev/null | sort -u | tr '\n' ' ')
  if [ "$mm_all" -gt 0 ] && [ -z "$mm_bad" ] && grep -q 'name="aRangePastTheEndOfTheFileIsRefused' "$xml"; then
    pass "arm64-host/MappedMemoryTest ($mm_all tests, aRangePastTheEndOfTheFileIsRefused among them)"
  else
    fail "arm64-host/MappedMemoryTest" "ran $mm_all; not passed: ${mm_bad:-aRangePastTheEndOfTheFileIsRefused missing}"
  fi

  # ---- smoke: serve, lspci, fuzz ----
  t0=$SECONDS
  local jv="$java --enable-native-access=ALL-UNNAMED -jar target/jvfio.jar"
  in_root "sh scripts/e2e/arm64-host-smoke.sh $jv" >"$out/serve-lspci.log" 2>&1
  if grep -q '^LSPCI-RC 0' "$out/serve-lspci.log" && grep -q 'Region 4' "$out/serve-lspci.log"; then
    pass "arm64-host/serve-lspci ($(grep -m1 '^serve ready' "$out/serve-lspci.log"); $(grep -m1 -E '^([0-9a-f]{4}:)?[0-9a-f]{2}:[0-9a-f]{2}\.' "$out/serve-lspci.log" | cut -c1-80))"
  else
    fail "arm64-host/serve-lspci" "$(tail -5 "$out/serve-lspci.log" | tr '\n' ' ' | cut -c1-400)"
  fi
  in_root "$jv fuzz --seconds ${JVFIO_ARM64_HOST_FUZZ_SECONDS:-10}" >"$out/fuzz.log" 2>&1
  rc=$?
  if [ "$rc" = 0 ] && grep -q 'no failures' "$out/fuzz.log"; then
    pass "arm64-host/fuzz ($(grep -m1 '^fuzz seed' "$out/fuzz.log" | sed 's/^fuzz //'); $(grep -m1 'probe device' "$out/fuzz.log" | sed 's/^ *//'))"
  else
    fail "arm64-host/fuzz" "exit $rc: $(tail -6 "$out/fuzz.log" | tr '\n' ' ' | cut -c1-400)"
  fi
  note "arm64-host: smoke $((SECONDS - t0)) s; logs in $out"
}
arm64_host_leg
