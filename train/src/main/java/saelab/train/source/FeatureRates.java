package saelab.train.source;

import java.util.Arrays;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.simple.RandomSource;

/**
 * The hierarchy layout and firing probabilities a {@link SyntheticConfig} implies, without the
 * directions: who is whose parent, each feature's draw probability π_i (what the copula or the
 * independent draw uses) and its designed marginal rate (how often it fires once the hierarchy
 * has gated it, for independent draws).
 *
 * <p>Layout: the trees breadth first over the whole forest, so the children of a node are
 * consecutive ids and every parent has a smaller id than its children; then the free features.
 */
final class FeatureRates {
    /** Seeds' sub-stream index of the dense-tier root rates (the other structure parts use 1..). */
    static final long DENSE_STREAM = 0;

    final int[] parent, firstChild, childCount, level;
    final double[] draw, rate;

    private FeatureRates(int n) {
        parent = new int[n];
        firstChild = new int[n];
        childCount = new int[n];
        level = new int[n];
        draw = new double[n];
        rate = new double[n];
        Arrays.fill(parent, -1);
    }

    static FeatureRates of(SyntheticConfig cfg) {
        FeatureRates f = new FeatureRates(cfg.features());
        f.layOut(cfg.hierarchy());
        f.assignRates(cfg);
        return f;
    }

    /** Σ of the designed marginal rates: the expected number of firing features per sample. */
    double expectedActive() {
        double s = 0;
        for (double r : rate) s += r;
        return s;
    }

    private void layOut(SyntheticConfig.Hierarchy h) {
        int next = h.roots();
        int levelStart = 0, levelEnd = h.roots();
        for (int l = 1; l <= h.depth(); l++) {
            for (int p = levelStart; p < levelEnd; p++) {
                firstChild[p] = next;
                childCount[p] = h.branching();
                for (int c = 0; c < h.branching(); c++) {
                    parent[next] = p;
                    level[next++] = l;
                }
            }
            levelStart = levelEnd;
            levelEnd = next;
        }
    }

    private void assignRates(SyntheticConfig cfg) {
        SyntheticConfig.Hierarchy h = cfg.hierarchy();
        int n = cfg.features(), roots = h.roots();
        double[] zipf = new double[n];
        boolean[] zipfRated = new boolean[n];
        int count = 0;
        for (int i = 0; i < n; i++) {
            boolean denseRoot = i < roots && h.denseRoots(), conditionalChild = parent[i] >= 0 && h.conditional();
            zipfRated[i] = !denseRoot && !conditionalChild;
            if (zipfRated[i]) count++;
        }
        double[] byRank = zipfByRank(cfg.rates(), count);
        for (int i = 0, k = 0; i < n; i++) if (zipfRated[i]) zipf[i] = byRank[k++];
        if (h.denseRoots()) {
            UniformRandomProvider rng = RandomSource.XO_RO_SHI_RO_128_PP.create(Seeds.mixed(cfg.seed(), DENSE_STREAM));
            for (int i = 0; i < roots; i++) zipf[i] = h.denseMin() + (h.denseMax() - h.denseMin()) * rng.nextDouble();
        }
        // Parents have smaller ids than their children, so one pass in id order sees each
        // parent's numbers before its children's; sibling groups are handled at their first member.
        for (int i = 0; i < n; i++) {
            int p = parent[i];
            if (p < 0) {
                draw[i] = zipf[i];
                rate[i] = zipf[i];
            } else if (i == firstChild[p]) {
                int first = i, b = childCount[p];
                if (h.conditional()) conditionalChildren(h, p, first, b);
                else compensatedChildren(h.exclusive(), zipf, p, first, b);
            }
        }
    }

    /**
     * Children that fire with probability q given the parent (exclusive: one of b; each draws with
     * 1 − (1 − q)^(1/b), so at least one draws with q and the uniform winner is each with q/b).
     */
    private void conditionalChildren(SyntheticConfig.Hierarchy h, int p, int first, int b) {
        double q = h.given().get(level[first] - 1);
        double pi = h.exclusive() ? 1 - Math.pow(1 - q, 1.0 / b) : q;
        for (int c = first; c < first + b; c++) {
            draw[c] = pi;
            rate[c] = rate[p] * (h.exclusive() ? q / b : q);
        }
    }

    /**
     * SAELens's compensate_probabilities: a child's draw is its Zipf rate divided by the parent's
     * Zipf rate (and, among exclusive siblings, by its chance of winning), solved by fixed-point
     * iteration and clamped at 1 — so a child fires at its Zipf rate unless that is impossible.
     */
    private void compensatedChildren(boolean exclusive, double[] zipf, int p, int first, int b) {
        double parentBase = zipf[p];
        double[] pi = new double[b];
        for (int c = 0; c < b; c++) pi[c] = parentBase > 0 ? Math.min(1, zipf[first + c] / parentBase) : 0;
        if (exclusive && parentBase > 0) {
            for (int iter = 0; iter < 100; iter++) {
                double[] win = winProbabilities(pi);
                double change = 0;
                for (int c = 0; c < b; c++) {
                    double next = win[c] > 0 ? Math.min(1, zipf[first + c] / (parentBase * win[c])) : pi[c];
                    change = Math.max(change, Math.abs(next - pi[c]));
                    pi[c] = next;
                }
                if (change < 1e-8) break;
            }
        }
        double[] win = exclusive ? winProbabilities(pi) : null;
        for (int c = 0; c < b; c++) {
            draw[first + c] = pi[c];
            rate[first + c] = rate[p] * pi[c] * (exclusive ? win[c] : 1);
        }
    }

    /**
     * E[1/K | sibling c drew] for each sibling, K the number of siblings that drew (c included),
     * draws independent with probabilities pi: the chance that c wins a uniform draw among them.
     * The count of the others is Poisson-binomial, built by the usual O(b²) recursion.
     */
    static double[] winProbabilities(double[] pi) {
        int b = pi.length;
        double[] win = new double[b];
        for (int c = 0; c < b; c++) {
            double[] count = new double[b];
            count[0] = 1;
            int seen = 0;
            for (int o = 0; o < b; o++) {
                if (o == c) continue;
                seen++;
                for (int k = seen; k >= 1; k--) count[k] = count[k] * (1 - pi[o]) + count[k - 1] * pi[o];
                count[0] *= 1 - pi[o];
            }
            double e = 0;
            for (int k = 0; k < b; k++) e += count[k] / (k + 1);
            win[c] = e;
        }
        return win;
    }

    /** Zipf rates for ranks 1..count, rescaled linearly to [min, max] and scaled. */
    static double[] zipfByRank(SyntheticConfig.Rates r, int count) {
        double[] out = new double[count];
        double last = Math.pow(count, -r.zipfExponent());
        boolean flat = count <= 1 || r.min() == r.max() || r.zipfExponent() == 0;
        for (int k = 0; k < count; k++) {
            double v = flat ? r.max() : r.min() + (r.max() - r.min()) * (Math.pow(k + 1, -r.zipfExponent()) - last) / (1 - last);
            out[k] = v * r.scale();
        }
        return out;
    }
}
