# Sourced by ./mvnw and ./jvfio: points JAVA_HOME at a JDK 25.
# Order: $JAVA_HOME if it is a JDK 25, then /usr/lib/jvm/*25*, then `java` on PATH if it is 25.
jvfio_is_jdk25() {
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 1
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | grep -qE '^\s*java\.specification\.version = 25$'
}
jvfio_find_jdk() {
  if [ -n "${JAVA_HOME:-}" ] && jvfio_is_jdk25 "$JAVA_HOME"; then return 0; fi
  for candidate in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*25*; do
    if jvfio_is_jdk25 "$candidate"; then export JAVA_HOME="$candidate"; return 0; fi
  done
  if command -v java >/dev/null 2>&1; then
    candidate=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
    if jvfio_is_jdk25 "$candidate"; then export JAVA_HOME="$candidate"; return 0; fi
  fi
  echo "jvfio: no JDK 25 found (looked at \$JAVA_HOME, /usr/lib/jvm/*25*, java on PATH)." >&2
  echo "jvfio: install Temurin 25 or set JAVA_HOME to a JDK 25." >&2
  return 1
}
