package saelab.train;

import org.quicktheories.QuickTheory;

/**
 * The preset every property of this module runs under (QuickTheories inside a plain JUnit test).
 * The seed is fixed, so a run is repeatable; when a property fails, QuickTheories' assertion
 * message ends with "Seed was N" after the smallest falsifying example it shrank to. Shrinking is
 * bounded at 10 further runs per example (QuickTheories' own default is 100,000 in all), so a
 * failing property reports within about eleven times its passing run time.
 */
public final class Props {
    private Props() {}

    /** {@code examples} generated examples (duplicates are skipped, not rerun) from {@code seed}. */
    public static QuickTheory qt(long seed, int examples) {
        return QuickTheory.qt().withFixedSeed(seed).withExamples(examples).withShrinkCycles(10 * examples);
    }
}
