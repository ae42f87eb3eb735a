# Sourced by ./saelab. The JVM prints "WARNING: Using incubator modules: jdk.incubator.vector" on
# stderr at start-up whenever the module is added, which saelab needs for its Vector API kernels,
# and no JVM flag turns that line off. Starting without the module for --help and other commands
# that compute nothing would need the launcher to know which those are (and a class touching the
# Vector API by accident would then fail at run time), so instead java's stderr goes through this
# filter: the JVM writes that warning before main() runs, so it can only be the first line; the
# filter drops exactly that line and copies everything after it as it comes (cat, unbuffered: a
# progress line redrawn with \r shows at once). The launcher execs java, so the exit status, the
# pid and the signals are java's own (a launcher waiting for java instead would leave java running
# when it is sent SIGTERM). The filter forwards each write as it comes, so its last bytes follow
# java's last write by far less than the JVM's own shutdown takes. It ignores SIGINT so that what
# java prints while it stops after Ctrl-C still shows.
saelab_drop_incubator_warning() {
  trap '' INT
  local first
  if IFS= read -r first; then
    [ "$first" = "WARNING: Using incubator modules: jdk.incubator.vector" ] || printf '%s\n' "$first"
  elif [ -n "$first" ]; then
    printf '%s' "$first"
  fi
  exec cat
}
