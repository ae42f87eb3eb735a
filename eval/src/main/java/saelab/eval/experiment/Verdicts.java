package saelab.eval.experiment;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import saelab.eval.stats.Comparison;
import saelab.eval.stats.Metric;
import saelab.eval.stats.Verdict;
import saelab.eval.stats.VerdictRow;
import saelab.eval.stats.VerdictTable;

/**
 * The experiment's answer: paired comparisons by seed (every variant runs the same seeds, and a
 * seed fixes both the initialisation and the data stream), on the separation metrics and on
 * reconstruction, each decided by {@link VerdictRow#decide} with Holm's correction within its
 * family:
 * <ul>
 *   <li><b>primary</b>, the research question: adaptive vs static, adaptive vs TopK, static vs TopK;</li>
 *   <li><b>secondary</b>, how the schedule and the controls matter: every other variant vs TopK, every
 *       other penalised variant vs static, and each schedule or normalisation variation vs plain adaptive.</li>
 * </ul>
 * Reconstruction counts as equal only through its equivalence test (TOST within ±margin): a
 * difference the paired test resolves but that lies within the margin is still equal
 * reconstruction for the question, and both are said ({@link #withinMargin}). A row
 * whose penalised variant's mechanism was inactive ({@link PenaltyActivity}) is marked: it is no
 * test of the method, whatever its verdict.
 */
public final class Verdicts {
    private Verdicts() {}

    public static final String PRIMARY = "primary", SECONDARY = "secondary";

    /** A verdict row, its family, and why it is not a test of the method (empty when it is). */
    public record Row(String family, VerdictRow row, String caveat) {
        public boolean noTest() { return !caveat.isEmpty(); }
    }

    /** The metrics the verdicts read, with a label and how many decimals to show. */
    public record Shown(Metric metric, String label, int digits) {}

    /** On synthetic data: MCC and absorption (separation) and explained variance (reconstruction, with its margin). */
    static List<Shown> metrics(Experiment.Result r) {
        Snapshot s = r.runs().getFirst().last();
        double margin = r.config().evMargin();
        List<Shown> m = new ArrayList<>();
        if (s.has(Snapshot.MCC)) m.add(new Shown(Metric.of(Snapshot.MCC, true), "MCC", 4));
        if (s.has(Snapshot.ABSORPTION)) m.add(new Shown(Metric.of(Snapshot.ABSORPTION, false), "absorption", 4));
        if (s.has(FirstLetterAbsorptionMetric.RATE) && measured(r, FirstLetterAbsorptionMetric.RATE)) {
            m.add(new Shown(Metric.of(FirstLetterAbsorptionMetric.RATE, false), "first-letter absorption", 4));
        }
        if (s.has(SpliceMetric.CE_SCORE)) m.add(new Shown(Metric.of(SpliceMetric.CE_SCORE, true), "CE-loss score", 4));
        m.add(new Shown(Metric.withMargin(Snapshot.EV, true, margin), "explained variance", 4));
        return m;
    }

    private static boolean measured(Experiment.Result r, String key) {
        return r.runs().stream().allMatch(x -> Double.isFinite(x.last().get(key)));
    }

    /** The comparisons of each family, among the variants that ran. */
    static Map<String, List<Comparison>> families(List<Variant> variants) {
        Set<String> ids = variants.stream().map(Variant::id).collect(Collectors.toSet());
        List<Comparison> primary = new ArrayList<>(), secondary = new ArrayList<>();
        for (String[] c : new String[][] {{Variant.ADAPTIVE, Variant.STATIC}, {Variant.ADAPTIVE, Variant.TOPK}, {Variant.STATIC, Variant.TOPK}}) {
            if (ids.contains(c[0]) && ids.contains(c[1])) primary.add(new Comparison(c[0], c[1]));
        }
        for (Variant v : variants) {
            if (v.id().equals(Variant.TOPK) || v.id().equals(Variant.STATIC) || v.id().equals(Variant.ADAPTIVE)) continue;
            if (ids.contains(Variant.TOPK)) secondary.add(new Comparison(v.id(), Variant.TOPK));
            // The field's other baselines: does the method beat them too?
            if (v.role() == Variant.Role.BASELINE && ids.contains(Variant.ADAPTIVE)) secondary.add(new Comparison(Variant.ADAPTIVE, v.id()));
            if (v.penalised() && ids.contains(Variant.STATIC)) secondary.add(new Comparison(v.id(), Variant.STATIC));
            if ((v.role() == Variant.Role.SCHEDULE || v.role() == Variant.Role.NORMALISATION) && ids.contains(Variant.ADAPTIVE)) {
                secondary.add(new Comparison(v.id(), Variant.ADAPTIVE));
            }
        }
        Map<String, List<Comparison>> f = new LinkedHashMap<>();
        if (!primary.isEmpty()) f.put(PRIMARY, primary);
        if (!secondary.isEmpty()) f.put(SECONDARY, secondary);
        return f;
    }

    /** Every family's rows, primary first. */
    public static List<Row> of(Experiment.Result r) {
        List<Metric> metrics = metrics(r).stream().map(Shown::metric).toList();
        Map<String, Map<Long, Map<String, Double>>> values = new LinkedHashMap<>();
        for (Experiment.RunResult run : r.runs()) values.computeIfAbsent(run.variant(), v -> new LinkedHashMap<>()).put(run.seed(), run.last().metrics());
        Map<String, PenaltyActivity> activity = new LinkedHashMap<>();
        for (Variant v : r.config().variants()) if (v.penalised()) activity.put(v.id(), PenaltyActivity.of(r.of(v.id())));
        List<Row> rows = new ArrayList<>();
        families(r.config().variants()).forEach((family, comparisons) -> {
            for (VerdictRow row : VerdictTable.of(comparisons, metrics, values)) {
                rows.add(new Row(family, row, caveat(row.comparison(), activity)));
            }
        });
        return rows;
    }

    /** Why a comparison is no test of a penalty: one of its penalised variants barely trained with it. */
    static String caveat(Comparison c, Map<String, PenaltyActivity> activity) {
        List<String> idle = new ArrayList<>();
        for (String v : List.of(c.a(), c.b())) {
            PenaltyActivity a = activity.get(v);
            if (a != null && a.inactive()) idle.add(String.format(Locale.ROOT, "%s (penalty below 1%% of the reconstruction loss on %.0f%% of logged steps)",
                    v, 100 * a.quietFraction()));
        }
        return idle.isEmpty() ? "" : "mechanism inactive: " + String.join(", ", idle) + "; not a test of the method";
    }

    /** "better", "worse", "equivalent", "inconclusive". */
    static String word(Verdict v) { return v.name().toLowerCase(Locale.ROOT); }

    /** Whether a metric with a margin was shown within it by TOST (also when the paired test resolves a difference inside it). */
    static boolean withinMargin(VerdictRow v) {
        return v.metric().hasMargin() && v.tostP() < saelab.eval.stats.Equivalence.ALPHA;
    }

    /** A margin as written: 0.005, not 0.00500. */
    static String plain(double x) { return java.math.BigDecimal.valueOf(x).stripTrailingZeros().toPlainString(); }

    /** The verdict as the table and the conclusion say it: "worse, within ±0.005" for a resolved difference inside the margin. */
    static String phrase(VerdictRow v) {
        if (withinMargin(v) && v.verdict() != Verdict.EQUIVALENT) {
            return word(v.verdict()) + " but within ±" + plain(v.metric().equivalenceMargin()) + " (equivalent by TOST)";
        }
        return word(v.verdict());
    }

    /**
     * The report's conclusion, derived from the table: per primary comparison, the verdict on each
     * separation metric and on reconstruction, then one sentence on the schedules and controls.
     */
    public static String conclusion(Experiment.Result r, List<Row> rows) {
        List<Shown> shown = metrics(r);
        Map<String, Shown> byKey = shown.stream().collect(Collectors.toMap(s -> s.metric().name(), s -> s, (a, b) -> a, LinkedHashMap::new));
        if (rows.isEmpty()) return "No verdict: the experiment ran no pair of variants the question compares (adaptive, static, topk).";
        List<String> out = new ArrayList<>();
        Map<String, List<Row>> primary = new LinkedHashMap<>();
        for (Row row : rows) if (row.family().equals(PRIMARY)) primary.computeIfAbsent(row.row().comparison().label(), k -> new ArrayList<>()).add(row);
        for (Map.Entry<String, List<Row>> e : primary.entrySet()) out.add(answer(e.getValue(), byKey));
        List<String> moved = new ArrayList<>();
        for (Row row : rows) {
            if (!row.family().equals(SECONDARY) || row.row().metric().hasMargin()) continue;
            Verdict v = row.row().verdict();
            if (v == Verdict.BETTER || v == Verdict.WORSE) {
                moved.add(String.format(Locale.ROOT, "%s %s on %s%s", row.row().comparison().label(), word(v), byKey.get(row.row().metric().name()).label(),
                        row.noTest() ? " (mechanism inactive)" : ""));
            }
        }
        long secondary = rows.stream().filter(x -> x.family().equals(SECONDARY)).map(x -> x.row().comparison()).distinct().count();
        if (secondary > 0) {
            out.add(moved.isEmpty()
                    ? String.format(Locale.ROOT, "Schedules and controls: none of %d secondary comparisons differed on a separation metric after Holm's correction.", secondary)
                    : "Schedules and controls (Holm-corrected over " + secondary + " comparisons): " + String.join("; ", moved) + ".");
        }
        int n = rows.getFirst().row().n();
        out.add(String.format(Locale.ROOT, "Paired by seed (%d seeds); 95%% paired-t intervals; Holm's correction within each family; reconstruction equal only when "
                + "a TOST bounds ΔEV within ±%s.", n, plain(r.config().evMargin())));
        return String.join(" ", out);
    }

    /** One primary comparison in a sentence: its separation verdicts, then reconstruction, then what that answers. */
    private static String answer(List<Row> rows, Map<String, Shown> byKey) {
        Comparison c = rows.getFirst().row().comparison();
        List<String> parts = new ArrayList<>();
        boolean better = false, worse = false, equalRecon = false, worseRecon = false, noTest = false;
        for (Row row : rows) {
            VerdictRow v = row.row();
            Shown s = byKey.get(v.metric().name());
            noTest |= row.noTest();
            String numbers = String.format(Locale.ROOT, "Δ %+." + s.digits() + "f [%+." + s.digits() + "f, %+." + s.digits() + "f]", v.meanDifference(), v.ciLow(), v.ciHigh());
            parts.add(s.label() + " " + phrase(v) + " (" + numbers + ")");
            if (v.metric().hasMargin()) {
                equalRecon = withinMargin(v) || v.verdict() == Verdict.BETTER;
                worseRecon = v.verdict() == Verdict.WORSE && !withinMargin(v);
            } else {
                better |= v.verdict() == Verdict.BETTER;
                worse |= v.verdict() == Verdict.WORSE;
            }
        }
        String verdict;
        if (noTest) verdict = "no test of the method (a penalty was inactive)";
        else if (better && !worse && equalRecon) verdict = c.a() + " separates features better at equal or better reconstruction";
        else if (better && !worse) verdict = c.a() + " separates features better, but reconstruction is " + (worseRecon ? "worse" : "not shown equal");
        else if (worse && !better) verdict = c.a() + " separates features worse";
        else if (better) verdict = "mixed: better on one separation metric, worse on another";
        else verdict = "no difference in separation detected" + (equalRecon ? " at equal reconstruction" : "");
        return String.format(Locale.ROOT, "%s: %s — %s.", c.label(), verdict, String.join(", ", parts));
    }
}
