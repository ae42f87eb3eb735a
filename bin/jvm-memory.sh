# Sourced by ./saelab: the garbage collector and heap flags for one command, chosen by its first
# two words after saelab's global options (measured: README, "Memory: the launcher's collector and heap").
#
# Training (train, sweep, experiment) runs on G1. Its live set is small next to what it allocates:
# at d 256, m 4096, k 32, batch 2048 it holds ~180 MB (parameters, gradients and Adam's moments
# 34 MB, the shard source's 65,536-row buffer 67 MB, one step's B×m pre-activations 34 MB) but
# allocates ~75 MB per step, most of it dead by the next. ParallelGC sizes its young generation for
# throughput up to the default maximum (1/4 of RAM), so the heap grew to 2.3-2.7 GB and peak RSS
# to 2.5-3.0 GB; G1 sizes the heap to keep GC time near its GCTimeRatio and reclaims the dead B×m
# arrays (humongous objects) at every young pause: 1.1-1.4 GB peak RSS, no slower per step, and at
# gemma-2-2b's shape (d 2304, m 16384) 4.2 GB instead of 6.3 GB. The maximum stays 1/4 of RAM.
# Since the step reuses its arrays (~2 MB allocated per step), what grows the heap is the start-up's
# garbage (kernels run in the interpreter until C2 compiles them), and G1 keeps what it grew. With
# -XX:GCTimeRatio=2 (GC time up to 33% before the heap grows, against G1's 8%) the small shape's
# peak RSS was 0.95-1.14 GB with G1's default and 0.70-0.71 with ratio 4 (600 steps, interleaved),
# and in `saelab bench memory` (300 steps, 3 interleaved rounds) 0.70-0.81 with ratio 4, 0.64-0.66
# with 2 and 0.63-0.65 with 1, at the same wall time; a PyTorch trainer of the same SAE on the same
# files peaked at 0.63 GB (`bench memory --torch`, which runs `train` in a child JVM with the flags
# given here to "bench memory": train's). At gemma-2-2b's shape (30 steps) 3.77 GB with G1's
# default and 3.84 with ratio 4. The initial heap (1/64 of RAM by default: 384 MB on 24 GB) is
# filled before G1 first collects: -Xms64m took the small shape from 0.643-0.651 GB to 0.537-0.606
# (`bench memory`, 3 interleaved pairs, same wall time) and left gemma-2-2b's at 3.82-3.91 GB and
# 548-590 ms/step both ways.
#
# Model inference (complete, bench gemma) on the CPU maps the weights outside the Java heap, which
# holds only activations, logits and the KV cache: a few hundred MB. Left to the default maximum
# (1/4 of RAM), ParallelGC grows eden through the JIT's warm-up garbage and lets dead logits arrays
# pile up in the old generation: peak RSS was 1.23-1.28x gemma-2-2b's checkpoint, 1.13x with this
# cap. Those commands say so when a request would not fit; a -Xmx in SAELAB_JAVA_OPTS comes later
# and wins. (Not on the TornadoVM path: its JIT compiler may live on the Java heap.)
#
# bench train holds four trainers side by side (plain, adaptive, logged, decoder target): at
# gemma-2-2b's shape each keeps W_enc, W_dec, their gradients and Adam's moments (1.2 GB) (plus B×m
# pre-activations before BlockedTopK), which overflowed the default heap (1/4 of RAM: 6 GB on a 24 GB machine). It
# keeps ParallelGC, as the timings in the README were measured with it.
#
# A collector named in SAELAB_JAVA_OPTS replaces the launcher's (the JVM refuses two), and a heap size
# there replaces the launcher's heap flags (an -Xmx below the launcher's -Xms would stop the JVM).
saelab_memory_flags() {
  local gc="-XX:+UseParallelGC" heap="" word
  # The command's words come after saelab's global options (`./saelab --quiet train …` trains too).
  while [ $# -gt 0 ]; do
    case "$1" in
      --quiet|--verbose|--backend=*) shift ;;
      --backend) shift; [ $# -gt 0 ] && shift ;;
      *) break ;;
    esac
  done
  case "${1:-} ${2:-}" in
    # bench memory runs train in a child JVM with its own flags: train's.
    train\ *|sweep\ *|experiment\ *|"bench memory") gc="-XX:+UseG1GC -XX:GCTimeRatio=2" heap="-Xms64m" ;;
    complete\ *|"bench gemma") heap="-Xmx512m" ;;
    "bench train") heap="-XX:MaxRAMPercentage=75" ;;
  esac
  for word in ${SAELAB_JAVA_OPTS:-}; do
    case "$word" in
      -XX:+UseSerialGC|-XX:+UseParallelGC|-XX:+UseG1GC|-XX:+UseZGC|-XX:+UseShenandoahGC|-XX:+UseEpsilonGC) gc="" ;;
      -Xms*|-Xmx*|-XX:InitialHeapSize=*|-XX:MaxHeapSize=*|-XX:InitialRAMPercentage=*|-XX:MaxRAMPercentage=*) heap="" ;;
    esac
  done
  printf '%s\n' "$gc${gc:+${heap:+ }}$heap"
}
