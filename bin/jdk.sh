# Sourced by ./saelab and ./run-tests: sets SAELAB_JAVA_HOME to a JDK >= 25, or exits with a
# message naming every place it looked. The machine's default `java` may be older (17 here),
# so PATH is consulted last, not first.
saelab_java_major() {
  # Prints the feature version of the JDK at $1 (e.g. 25), or nothing when it is not a JDK.
  local home=$1 line
  [ -x "$home/bin/java" ] && [ -x "$home/bin/javac" ] || return 0
  if [ -f "$home/release" ]; then
    line=$(grep -E '^JAVA_VERSION=' "$home/release" | head -n 1)
    line=${line#JAVA_VERSION=}; line=${line//\"/}
  else
    line=$("$home/bin/java" -version 2>&1 | head -n 1 | sed -E 's/.*version "([^"]+)".*/\1/')
  fi
  line=${line#1.}
  echo "${line%%[.+-]*}"
}

saelab_find_jdk() {
  local min=25 tried=() candidates=() c major
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  # SAELAB_JDK_ROOTS (space-separated globs) replaces the usual install places, e.g. in tests.
  local roots=${SAELAB_JDK_ROOTS:-"/usr/lib/jvm/* /opt/java/* /opt/jdk* /usr/local/lib/jvm/* /usr/java/* \
$HOME/.sdkman/candidates/java/* $HOME/.jdks/* /Library/Java/JavaVirtualMachines/*/Contents/Home"}
  for c in $roots; do
    [ -d "$c" ] && candidates+=("$c")
  done
  if command -v java >/dev/null 2>&1; then
    c=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
    candidates+=("$c")
  fi
  # Prefer the newest JDK found, JAVA_HOME first among equals.
  local best="" best_major=0
  local seen=" "
  for c in "${candidates[@]}"; do
    c=$(readlink -f "$c")
    case "$seen" in *" $c "*) continue ;; esac
    seen="$seen$c "
    major=$(saelab_java_major "$c")
    tried+=("$c${major:+ (java $major)}")
    if [ -n "$major" ] && [ "$major" -ge "$min" ] 2>/dev/null && [ "$major" -gt "$best_major" ]; then
      best=$c; best_major=$major
    fi
  done
  if [ -z "$best" ]; then
    {
      echo "saelab: no JDK $min or newer found (it needs the jdk.incubator.vector module of JDK $min+)."
      echo "Looked at JAVA_HOME (${JAVA_HOME:-unset}), then $roots"
      echo "and the java on PATH; found:"
      if [ ${#tried[@]} -eq 0 ]; then echo "  (no JDK at all)"; else printf '  %s\n' "${tried[@]}"; fi
      echo "Install one (for example Temurin 25) and/or set JAVA_HOME to it."
    } >&2
    exit 3
  fi
  SAELAB_JAVA_HOME=$best
}
