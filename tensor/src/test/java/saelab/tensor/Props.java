package saelab.tensor;

import org.quicktheories.QuickTheory;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.SourceDSL;

/**
 * The QuickTheories preset of this module's properties, and the generators they share.
 *
 * <p>Every property runs under a fixed seed, so a run is reproducible and a failure replays:
 * QuickTheories ends the message of a falsified property with "Seed was N", N being that seed,
 * after the smallest falsifying values its shrinking found. Shrinking works on the values drawn
 * from these generators (sizes shrink towards their lower bound, seeds towards 0), which is why
 * the properties draw sizes and data seeds from QuickTheories rather than from a Random of their own.
 *
 * <p>The shrink budget is bounded: QuickTheories' default (100 × its default 1000 examples) could
 * spend minutes re-running a failing gradient check; {@value #SHRINK_CYCLES} attempts take a few
 * seconds and still walk the sizes down.
 */
public final class Props {
    private Props() {}

    public static final int SHRINK_CYCLES = 200;

    /** The preset: {@code examples} tries from a generator seeded with {@code seed}. */
    public static QuickTheory qt(long seed, int examples) {
        return QuickTheory.qt().withFixedSeed(seed).withExamples(examples).withShrinkCycles(SHRINK_CYCLES);
    }

    /** Integers in [lo, hi], shrinking towards lo (towards 0 when lo &lt; 0 &lt; hi). */
    public static Gen<Integer> ints(int lo, int hi) {
        return SourceDSL.integers().between(lo, hi);
    }

    /** Seeds for the data a property builds (any long). */
    public static Gen<Long> seeds() {
        return SourceDSL.longs().all();
    }

    public static Gen<Boolean> bools() {
        return SourceDSL.booleans().all();
    }

    public static <E extends Enum<E>> Gen<E> oneOf(Class<E> e) {
        return SourceDSL.arbitrary().enumValues(e);
    }
}
