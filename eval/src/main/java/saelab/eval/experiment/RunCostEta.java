package saelab.eval.experiment;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The experiment's time left from measured run costs, per variant: variants differ several-fold
 * (a ReLU run takes 5–8× a TopK run), so a global steps-per-second rate misleads while the
 * cheap variants finish first. A variant's cost per run is the mean wall time (training and
 * evaluation) of its finished runs; with none finished yet, its running run's elapsed time over
 * its fraction done; with neither, the mean over all finished runs (no estimate at all before
 * anything has run or progressed). Remaining work is each waiting run's cost plus each running
 * run's cost minus its elapsed time; with W runs side by side the time left is that work / W,
 * but never less than the longest running run still needs.
 */
final class RunCostEta {
    /** A run in flight: its variant, the fraction of its steps done, its wall time so far. */
    record Running(String variant, double fractionDone, double elapsedSeconds) {}

    private final Map<String, double[]> finished = new HashMap<>(); // variant → {sum of seconds, count}
    private final double[] all = new double[2];

    /** A finished run's wall time. */
    void finished(String variant, double seconds) {
        double[] f = finished.computeIfAbsent(variant, v -> new double[2]);
        f[0] += seconds;
        f[1]++;
        all[0] += seconds;
        all[1]++;
    }

    /** A run's expected wall time, or NaN when nothing measured says. */
    double cost(String variant, List<Running> running) {
        double[] f = finished.get(variant);
        if (f != null) return f[0] / f[1];
        for (Running r : running) {
            if (r.variant().equals(variant) && r.fractionDone() > 0) return r.elapsedSeconds() / r.fractionDone();
        }
        return all[1] > 0 ? all[0] / all[1] : Double.NaN;
    }

    /**
     * Seconds left, or NaN when no run has finished or progressed yet.
     *
     * @param waiting the variant of each run not started yet
     * @param workers runs trained side by side
     */
    double secondsLeft(List<String> waiting, List<Running> running, int workers) {
        double work = 0, longest = 0;
        for (String v : waiting) work += cost(v, running);
        for (Running r : running) {
            double left = Math.max(0, cost(r.variant(), running) - r.elapsedSeconds());
            work += left;
            longest = Math.max(longest, left);
        }
        return Math.max(work / Math.max(1, workers), longest);
    }
}
