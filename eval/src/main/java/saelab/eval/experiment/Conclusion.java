package saelab.eval.experiment;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import saelab.eval.report.SeedSpread;

/**
 * The report's plain-language verdict, computed from the per-variant spreads over seeds: does
 * the adaptive SAE beat the static orthogonal SAE and the TopK baseline on separation
 * (Hungarian-matched cosine, higher is better; |cos| of co-firing decoder pairs, lower is
 * better) and on absorption (lower is better: the synthetic absorption, or on a model the
 * first-letter absorption rate and fraction when they were measured), at comparable reconstruction
 * (explained variance, and on a model the CE-loss score)? Two variants differ significantly on a metric only when their 95% t-intervals do
 * not overlap; otherwise the text says "no significant difference".
 */
public final class Conclusion {
    private Conclusion() {}

    public enum Verdict { BETTER, WORSE, NO_SIGNIFICANT_DIFFERENCE }

    /** The metrics the verdict reads, with their direction. */
    public record Metric(String key, String label, boolean higherIsBetter, int digits) {}

    public static final Metric HUNGARIAN = new Metric(Snapshot.HUNGARIAN, "Hungarian-matched cos", true, 3);
    public static final Metric COFIRE = new Metric(Snapshot.COFIRE_COS, "co-firing pair |cos|", false, 4);
    public static final Metric ABSORPTION = new Metric(Snapshot.ABSORPTION, "absorption rate", false, 3);
    public static final Metric EV = new Metric(Snapshot.EV, "explained variance", true, 3);
    /** On a model: SAEBench's first-letter absorption (rate and fraction), when it was run. */
    public static final Metric FIRST_LETTER = new Metric(FirstLetterAbsorptionMetric.RATE, "first-letter absorption rate", false, 3);
    public static final Metric FIRST_LETTER_FRACTION = new Metric(FirstLetterAbsorptionMetric.FRACTION, "first-letter absorption fraction", false, 3);
    /** On a model: the CE-loss score as a second reconstruction check. */
    public static final Metric CE_SCORE = new Metric(SpliceMetric.CE_SCORE, "CE-loss score", true, 4);

    /** a against b; overlapping (or undefined, one-seed) intervals give no significant difference. */
    public static Verdict compare(SeedSpread a, SeedSpread b, boolean higherIsBetter) {
        if (Double.isNaN(a.halfWidth95()) || Double.isNaN(b.halfWidth95()) || Double.isNaN(a.mean()) || Double.isNaN(b.mean())) {
            return Verdict.NO_SIGNIFICANT_DIFFERENCE;
        }
        boolean overlap = a.low() <= b.high() && b.low() <= a.high();
        if (overlap) return Verdict.NO_SIGNIFICANT_DIFFERENCE;
        return (a.mean() > b.mean()) == higherIsBetter ? Verdict.BETTER : Verdict.WORSE;
    }

    /**
     * @param summary variant id → metric key → spread over seeds
     */
    public static String text(Map<String, Map<String, SeedSpread>> summary) {
        Map<String, SeedSpread> a = summary.get(Variant.ADAPTIVE);
        if (a == null) return "The adaptive variant was not run, so there is no verdict on it.";
        List<String> out = new ArrayList<>();
        boolean any = false;
        for (String base : List.of(Variant.STATIC, Variant.TOPK)) {
            Map<String, SeedSpread> b = summary.get(base);
            if (b == null) continue;
            any = true;
            out.add(against(a, b, base));
        }
        if (!any) return "Neither the static orthogonal SAE nor the TopK baseline was run, so the adaptive SAE has nothing to be compared with.";
        out.add("Intervals are 95% t-intervals over " + a.get(EV.key()).n() + " seeds; two variants differ significantly on a metric only when their intervals do not overlap.");
        return String.join(" ", out);
    }

    static String name(String id) {
        return switch (id) {
            case Variant.STATIC -> "the static orthogonal SAE";
            case Variant.TOPK -> "the TopK baseline";
            default -> id;
        };
    }

    static String against(Map<String, SeedSpread> a, Map<String, SeedSpread> b, String base) {
        // On a model there is no ground truth: no Hungarian cos and no synthetic absorption. The
        // verdict then rests on what was measured: absorption is the first-letter absorption when it
        // was run (rate and fraction combined as separation's two metrics are), and the
        // reconstruction check adds the CE-loss score.
        Verdict h = a.containsKey(HUNGARIAN.key()) ? compare(a.get(HUNGARIAN.key()), b.get(HUNGARIAN.key()), true) : null;
        Verdict c = compare(a.get(COFIRE.key()), b.get(COFIRE.key()), false);
        Verdict ab = null;
        String absorption = "not measured on this data";
        if (a.containsKey(ABSORPTION.key())) {
            ab = compare(a.get(ABSORPTION.key()), b.get(ABSORPTION.key()), false);
            absorption = phrase(ABSORPTION, a, b, ab);
        } else if (a.containsKey(FIRST_LETTER.key())) {
            if (measured(a, FIRST_LETTER) && measured(b, FIRST_LETTER)) {
                Verdict rate = compare(a.get(FIRST_LETTER.key()), b.get(FIRST_LETTER.key()), false);
                Verdict fraction = compare(a.get(FIRST_LETTER_FRACTION.key()), b.get(FIRST_LETTER_FRACTION.key()), false);
                ab = combine(rate, fraction);
                absorption = phrase(FIRST_LETTER, a, b, rate) + "; " + phrase(FIRST_LETTER_FRACTION, a, b, fraction);
            } else {
                absorption = "first-letter absorption was run but no letter's probe qualified (F1 > 0.6 with a true positive), so it has no value";
            }
        }
        Verdict ev = compare(a.get(EV.key()), b.get(EV.key()), true);
        Verdict ce = a.containsKey(CE_SCORE.key()) ? compare(a.get(CE_SCORE.key()), b.get(CE_SCORE.key()), true) : null;
        Verdict sep = h == null ? c : combine(h, c);
        boolean recon = ev != Verdict.WORSE && ce != Verdict.WORSE;
        boolean comparable = ev == Verdict.NO_SIGNIFICANT_DIFFERENCE && (ce == null || ce == Verdict.NO_SIGNIFICANT_DIFFERENCE);
        StringBuilder s = new StringBuilder();
        s.append("Against ").append(name(base)).append(": ");
        String what = ab == null ? "separation" : "separation and absorption";
        boolean beat = sep == Verdict.BETTER && (ab == null || ab == Verdict.BETTER) && recon;
        if (beat) {
            s.append("the adaptive SAE beat it on ").append(what).append(" at ").append(comparable ? "comparable" : "better").append(" reconstruction.");
        } else {
            s.append("the adaptive SAE did not beat it on ").append(ab == null ? "separation" : "both separation and absorption")
                    .append(" at comparable reconstruction.");
        }
        s.append(" Separation: ");
        if (h != null) s.append(phrase(HUNGARIAN, a, b, h)).append("; ");
        s.append(phrase(COFIRE, a, b, c)).append(". Absorption: ").append(absorption)
                .append(". Reconstruction: ").append(phrase(EV, a, b, ev));
        if (ce != null) s.append("; ").append(phrase(CE_SCORE, a, b, ce));
        s.append(comparable ? " (comparable)" : !recon
                ? " (the adaptive SAE reconstructs worse, so this is not a comparison at equal reconstruction)" : "").append('.');
        return s.toString();
    }

    /** Whether a metric has a value (a mean that is a number) in this variant's summary. */
    static boolean measured(Map<String, SeedSpread> v, Metric m) {
        SeedSpread s = v.get(m.key());
        return s != null && !Double.isNaN(s.mean());
    }

    /** Separation is better when one of its metrics is and none is worse; worse likewise; else no clear difference. */
    static Verdict combine(Verdict x, Verdict y) {
        boolean better = x == Verdict.BETTER || y == Verdict.BETTER, worse = x == Verdict.WORSE || y == Verdict.WORSE;
        if (better && !worse) return Verdict.BETTER;
        if (worse && !better) return Verdict.WORSE;
        return Verdict.NO_SIGNIFICANT_DIFFERENCE;
    }

    static String phrase(Metric m, Map<String, SeedSpread> a, Map<String, SeedSpread> b, Verdict v) {
        String word = switch (v) {
            case BETTER -> "adaptive better";
            case WORSE -> "adaptive worse";
            case NO_SIGNIFICANT_DIFFERENCE -> "no significant difference";
        };
        return String.format(Locale.ROOT, "%s %s vs %s (%s, %s)", m.label(), a.get(m.key()).format(m.digits()), b.get(m.key()).format(m.digits()),
                m.higherIsBetter() ? "higher is better" : "lower is better", word);
    }
}
