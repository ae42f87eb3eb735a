package saelab.eval.stats;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.DoubleUnaryOperator;
import org.apache.commons.statistics.distribution.ChiSquaredDistribution;
import org.apache.commons.statistics.distribution.NormalDistribution;
import org.apache.commons.statistics.distribution.TDistribution;

/**
 * Power of the two-sided paired t-test, from the noncentral t distribution. Commons Statistics has
 * no noncentral t, so its tail is integrated from distributions it does have: with n pairs, true
 * mean difference δ and sd σ of the differences, the statistic is T' = (Z + λ)/S with Z standard
 * normal, λ = δ√n/σ, S = √(V/ν), V ~ χ²(ν), ν = n − 1, and
 * P(T' &gt; c) = ∫ Φ(λ − c·s) f_S(s) ds = ∫ φ(z) F_V(ν·((z + λ)/c)²) dz over z &gt; −λ.
 * Either form is exact; the integral is taken in whichever variable the other factor is no sharper
 * than the density the range is cut from (see {@link #upperTail}), by composite 5-point
 * Gauss–Legendre, which needs no endpoint (for ν = 1, f_S's formula is 0·∞ at s = 0). Checked against SciPy's {@code nct} and R's
 * {@code power.t.test} in the tests, to 1e-10.
 *
 * <p>"Detectable" everywhere means: detected with probability {@link #TARGET} (80%) by the
 * two-sided test at the given α. Pass the α the decision will really use: after a multiple-testing
 * correction, the corrected one.
 */
public final class Power {
    private Power() {}

    /** The power a "detectable" effect is detected with. */
    public static final double TARGET = 0.8;

    private static final NormalDistribution STANDARD_NORMAL = NormalDistribution.of(0, 1);
    /** Probability left out at each end of the integration range (φ beyond ±9 is 1e-19). */
    private static final double TAIL = 1e-16;
    private static final double Z_RANGE = 9;
    private static final int PANELS = 64;
    /** 5-point Gauss–Legendre on [−1, 1] (Abramowitz &amp; Stegun, table 25.4). */
    private static final double[] GL_X = {-0.9061798459386640, -0.5384693101056831, 0, 0.5384693101056831, 0.9061798459386640};
    private static final double[] GL_W = {0.2369268850561891, 0.4786286704993665, 0.5688888888888889, 0.4786286704993665, 0.2369268850561891};
    /** Above this many pairs the normal approximation (see {@link #pairsNeeded}) is returned instead of a search; below int's range. */
    private static final double SEARCH_LIMIT = 1e9;

    private record Key(int n, double alpha) {}
    private static final Map<Key, Double> STANDARDIZED_MDE = new ConcurrentHashMap<>();

    /**
     * Probability that the two-sided paired t-test at {@code alpha} rejects "mean difference 0" with
     * {@code n} pairs whose differences have mean {@code effect} and sd {@code sd}. With sd = 0 the
     * test is deterministic (see {@link PairedComparison}): power 1 for a non-zero effect, 0 for none.
     */
    public static double of(int n, double effect, double sd, double alpha) {
        requirePairs(n);
        requireAlpha(alpha);
        requireSd(sd);
        if (sd == 0) return effect == 0 ? 0 : 1;
        return twoSided(n - 1, effect / sd * Math.sqrt(n), alpha);
    }

    /**
     * The smallest mean difference the two-sided test at {@code alpha} detects with 80% power from
     * {@code n} pairs whose differences have sd {@code sd}: exact (noncentral t), found by bisection
     * on λ. NaN when sd is NaN (fewer than two pairs measured it); 0 when sd = 0, since a
     * deterministic non-zero difference is always detected.
     */
    public static double minimalDetectableEffect(int n, double sd, double alpha) {
        requirePairs(n);
        requireAlpha(alpha);
        if (Double.isNaN(sd)) return Double.NaN;
        requireSd(sd);
        if (sd == 0) return 0;
        return sd * STANDARDIZED_MDE.computeIfAbsent(new Key(n, alpha), k -> standardizedMde(k.n(), k.alpha()));
    }

    /**
     * The textbook approximation of {@link #minimalDetectableEffect}:
     * (t_{1−α/2, n−1} + t_{0.8, n−1})·sd/√n, which replaces the noncentral t by a shifted central t.
     * It ignores the skew of the noncentral t and so understates the effect at small n: by about 14%
     * at n = 2, 5% at n = 3, 1% at n = 5 and under 0.2% from n = 10 (α = 0.05; PowerTest measures it).
     */
    public static double approximateMinimalDetectableEffect(int n, double sd, double alpha) {
        requirePairs(n);
        requireAlpha(alpha);
        TDistribution t = TDistribution.of(n - 1);
        return (t.inverseSurvivalProbability(alpha / 2) + t.inverseCumulativeProbability(TARGET)) * sd / Math.sqrt(n);
    }

    /**
     * The fewest pairs (at least 2) with which the two-sided test at {@code alpha} detects a mean
     * difference {@code effect} with 80% power, when the differences have sd {@code sd}. With sd = 0,
     * 2. Beyond 10⁹ pairs it returns the normal approximation with Guenther's correction,
     * ⌈((z_{1−α/2} + z_{0.8})·sd/effect)² + z²_{1−α/2}/2⌉ (saturating at Long.MAX_VALUE), which is
     * within a pair or two of the exact count there.
     */
    public static long pairsNeeded(double effect, double sd, double alpha) {
        requireAlpha(alpha);
        requireSd(sd);
        if (!Double.isFinite(effect) || effect == 0) {
            throw new IllegalArgumentException("pairs needed: the effect is " + effect + "; expected a finite non-zero mean difference");
        }
        if (sd == 0) return 2;
        double dz = Math.abs(effect) / sd;
        double za = STANDARD_NORMAL.inverseSurvivalProbability(alpha / 2), zb = STANDARD_NORMAL.inverseCumulativeProbability(TARGET);
        double normal = Math.pow((za + zb) / dz, 2);
        if (normal > SEARCH_LIMIT) return (long) Math.ceil(normal + za * za / 2);
        // Start where the approximation (see approximateMinimalDetectableEffect) first reaches dz:
        // its condition falls monotonically in n, lies a few pairs above the normal count, and is
        // within a pair or so of the exact count, so the exact walk below is short.
        long n = Math.max(2, (long) Math.ceil(normal));
        while (approximateMinimalDetectableEffect((int) n, 1, alpha) > dz) n++;
        if (reaches(n, dz, alpha)) {
            while (n > 2 && reaches(n - 1, dz, alpha)) n--;
            return n;
        }
        long fail = n, step = 1;
        while (!reaches(fail + step, dz, alpha)) {
            fail += step;
            step *= 2;
        }
        long pass = fail + step;
        while (pass - fail > 1) {
            long mid = fail + (pass - fail) / 2;
            if (reaches(mid, dz, alpha)) pass = mid; else fail = mid;
        }
        return pass;
    }

    private static boolean reaches(long n, double dz, double alpha) {
        return twoSided(n - 1, dz * Math.sqrt(n), alpha) >= TARGET;
    }

    private static double standardizedMde(int n, double alpha) {
        double lo = 0, hi = Math.max(1, TDistribution.of(n - 1).inverseSurvivalProbability(alpha / 2));
        while (twoSided(n - 1, hi, alpha) < TARGET) {
            lo = hi;
            hi *= 2;
        }
        // Power rises with λ ≥ 0; bisect to a relative 1e-12, far below anything a report prints.
        while (hi - lo > 1e-12 * hi) {
            double mid = 0.5 * (lo + hi);
            if (twoSided(n - 1, mid, alpha) < TARGET) lo = mid; else hi = mid;
        }
        return 0.5 * (lo + hi) / Math.sqrt(n);
    }

    /** P(|T'| &gt; t_{1−α/2, ν}) for T' noncentral t with ν degrees of freedom and noncentrality λ. */
    static double twoSided(double df, double ncp, double alpha) {
        double c = TDistribution.of(df).inverseSurvivalProbability(alpha / 2);
        return upperTail(df, ncp, c) + upperTail(df, -ncp, c);
    }

    /**
     * P(T' &gt; c), c &gt; 0. In s the integrand's factors change over 1/c (Φ) and about 1/√(2ν) (f_S);
     * in z over 1 (φ) and c/√(2ν) (F_V). Taking the variable where c/√(2ν) ≤ 1 or &gt; 1 respectively
     * puts the integration range on the factor whose transition is the narrower, so 64 panels
     * resolve both.
     */
    static double upperTail(double df, double ncp, double c) {
        return c / Math.sqrt(2 * df) <= 1 ? upperTailOverS(df, ncp, c) : upperTailOverZ(df, ncp, c);
    }

    static double upperTailOverS(double df, double ncp, double c) {
        ChiSquaredDistribution v = ChiSquaredDistribution.of(df);
        double lo = Math.sqrt(v.inverseCumulativeProbability(TAIL) / df), hi = Math.sqrt(v.inverseSurvivalProbability(TAIL) / df);
        return integrate(s -> 2 * df * s * v.density(df * s * s) * STANDARD_NORMAL.cumulativeProbability(ncp - c * s), lo, hi);
    }

    static double upperTailOverZ(double df, double ncp, double c) {
        ChiSquaredDistribution v = ChiSquaredDistribution.of(df);
        double lo = Math.max(-ncp, -Z_RANGE);
        if (lo >= Z_RANGE) return 0; // needs Z > 9: probability below 1e-19
        return integrate(z -> {
            double s = (z + ncp) / c;
            return STANDARD_NORMAL.density(z) * v.cumulativeProbability(df * s * s);
        }, lo, Z_RANGE);
    }

    private static double integrate(DoubleUnaryOperator f, double lo, double hi) {
        double h = (hi - lo) / PANELS, sum = 0;
        for (int p = 0; p < PANELS; p++) {
            double mid = lo + (p + 0.5) * h;
            for (int i = 0; i < GL_X.length; i++) sum += GL_W[i] * f.applyAsDouble(mid + 0.5 * h * GL_X[i]);
        }
        return 0.5 * h * sum;
    }

    private static void requirePairs(int n) {
        if (n < 2) throw new IllegalArgumentException("power: " + n + " pairs; expected at least 2 for a paired t-test");
    }

    private static void requireAlpha(double alpha) {
        if (!(alpha > 0 && alpha < 0.5)) throw new IllegalArgumentException("power: alpha is " + alpha + "; expected a level in (0, 0.5)");
    }

    private static void requireSd(double sd) {
        if (!(sd >= 0) || !Double.isFinite(sd)) throw new IllegalArgumentException("power: sd is " + sd + "; expected a finite standard deviation ≥ 0");
    }
}
