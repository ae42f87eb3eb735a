package saelab.eval.stats;

/** What one paired comparison of one metric says about variant a against variant b; see {@link VerdictRow#decide}. */
public enum Verdict {
    /** a is better than b: Holm-adjusted p below 0.05, in the metric's good direction. */
    BETTER,
    /** a is worse than b: Holm-adjusted p below 0.05, in the metric's bad direction. */
    WORSE,
    /** No significant difference, and the TOST shows the difference within the metric's margin. */
    EQUIVALENT,
    /** Neither: the row says what effect these seeds could have detected and how many seeds would detect the observed one. */
    INCONCLUSIVE
}
