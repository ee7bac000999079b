# Sourced by ./mvnw and ./jvfio: points JAVA_HOME at a JDK 25.
# Order: $JAVA_HOME if it is a JDK 25, then the machine's own architecture in /usr/lib/jvm
# (Temurin's temurin-25-jdk-ARCH, Debian/Ubuntu's java-25-openjdk-ARCH, any other *25*-ARCH;
# ARCH is amd64 on x86-64 and arm64 on aarch64, the Debian names), then any other
# /usr/lib/jvm/*25* that runs natively, then `java` on PATH if it is 25.
# A JDK of another architecture is skipped even if it would start: with qemu-user's binfmt
# handlers installed it would run emulated, many times slower, and find the wrong page size.
jvfio_arch() {
  case "$(uname -m)" in
    x86_64|amd64) echo amd64 ;;
    aarch64|arm64) echo arm64 ;;
    *) uname -m ;;
  esac
}
# The os.arch a native JVM reports on this machine.
jvfio_java_arch() {
  case "$(jvfio_arch)" in
    amd64) echo amd64 ;;
    arm64) echo aarch64 ;;
    *) uname -m ;;
  esac
}
jvfio_is_jdk25() {
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 1
  jvfio_props=$("$1/bin/java" -XshowSettings:properties -version 2>&1) || return 1
  printf '%s\n' "$jvfio_props" | grep -qE '^\s*java\.specification\.version = 25$' || return 1
  printf '%s\n' "$jvfio_props" | grep -qE "^\s*os\.arch = $(jvfio_java_arch)\$"
}
jvfio_find_jdk() {
  if [ -n "${JAVA_HOME:-}" ] && jvfio_is_jdk25 "$JAVA_HOME"; then return 0; fi
  jvfio_a=$(jvfio_arch)
  for candidate in /usr/lib/jvm/temurin-25-jdk-"$jvfio_a" /usr/lib/jvm/java-25-openjdk-"$jvfio_a" \
      /usr/lib/jvm/*25*-"$jvfio_a" /usr/lib/jvm/*25*; do
    if jvfio_is_jdk25 "$candidate"; then export JAVA_HOME="$candidate"; return 0; fi
  done
  if command -v java >/dev/null 2>&1; then
    candidate=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
    if jvfio_is_jdk25 "$candidate"; then export JAVA_HOME="$candidate"; return 0; fi
  fi
  echo "jvfio: no $(jvfio_arch) JDK 25 found (looked at \$JAVA_HOME, /usr/lib/jvm/*25*, java on PATH)." >&2
  echo "jvfio: install Temurin 25 (temurin-25-jdk) or Debian's openjdk-25-jdk, or set JAVA_HOME to a JDK 25." >&2
  return 1
}
