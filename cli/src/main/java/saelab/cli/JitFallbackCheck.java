package saelab.cli;

import java.io.PrintStream;
import saelab.tensor.kernels.KernelSpeed;

/**
 * Once a run has warmed up (a few passes and a second), measures whether the Vector API kernels
 * run as vector instructions ({@link KernelSpeed}) and prints one warning line if they fell back
 * to the API's Java code: such a run is 5–10× slower with no other sign (issue 14, item 7).
 */
final class JitFallbackCheck {
    /** Before this, the kernels may still be interpreted or queued for C2: slow for a reason that passes. */
    static final int WARM_PASSES = 8;
    static final double WARM_SECONDS = 1.0;

    private final String command;
    private final PrintStream err;
    private final long start = System.nanoTime();
    private int passes;
    private KernelSpeed.Probe probe;

    JitFallbackCheck(String command, PrintStream err) {
        this.command = command;
        this.err = err;
    }

    /** Called after each forward pass; measures (about 0.3 s) once the run is warm. */
    void afterPass() {
        passes++;
        if (probe == null && passes >= WARM_PASSES && (System.nanoTime() - start) / 1e9 >= WARM_SECONDS) measureNow();
    }

    /** Measures now (a benchmark calls this after its own warm-up) and warns if the kernels fell back. */
    KernelSpeed.Probe measureNow() {
        probe = KernelSpeed.measure();
        if (probe.fellBack()) err.println(command + ": " + probe.warning());
        return probe;
    }
}
