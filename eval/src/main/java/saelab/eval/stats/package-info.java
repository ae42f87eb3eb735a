/**
 * Paired statistics for comparing SAE variants run on the same seeds: the paired t-test
 * ({@link saelab.eval.stats.PairedComparison}), the TOST equivalence test
 * ({@link saelab.eval.stats.Equivalence}), Holm's correction ({@link saelab.eval.stats.Holm}), the
 * power of the paired t-test ({@link saelab.eval.stats.Power}) and the verdicts built from them
 * ({@link saelab.eval.stats.VerdictRow}, {@link saelab.eval.stats.VerdictTable}). It knows nothing of
 * experiments or SAEs: values come in as numbers per variant and seed. Every distribution comes
 * from Commons Statistics.
 */
package saelab.eval.stats;
