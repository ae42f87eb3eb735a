package saelab.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Laws of the assignment solver. Costs are multiples of 2^−24 (Random.nextFloat) or small
 * integers, so every sum of up to 2^29 of them is exact in double: optimal totals compare with
 * no tolerance.
 */
class HungarianProperties {
    static final long BRUTE_SEED = 8801, TEXTBOOK_SEED = 8803, ABS_SEED = 8804;

    /** Brute force over every injective assignment: the oracle for small problems. */
    static double bruteForceMin(double[][] cost, int row, boolean[] used) {
        if (row == cost.length) return 0;
        double best = Double.POSITIVE_INFINITY;
        for (int j = 0; j < cost[0].length; j++) {
            if (used[j]) continue;
            used[j] = true;
            best = Math.min(best, cost[row][j] + bruteForceMin(cost, row + 1, used));
            used[j] = false;
        }
        return best;
    }

    /** A random r × c cost matrix as floats, one in five entries a tie at 1. */
    static float[] randomCosts(long seed, int r, int c, boolean signed) {
        Random rnd = new Random(seed);
        float[] w = new float[r * c];
        for (int i = 0; i < w.length; i++) {
            float x = rnd.nextInt(5) == 0 ? 1f : rnd.nextFloat();
            w[i] = signed && rnd.nextBoolean() ? -x : x;
        }
        return w;
    }

    static double[][] rows(float[] w, int r, int c, boolean absolute) {
        double[][] m = new double[r][c];
        for (int i = 0; i < r; i++) for (int j = 0; j < c; j++) m[i][j] = absolute ? Math.abs(w[i * c + j]) : w[i * c + j];
        return m;
    }

    /** Σ cost over the assignment, after checking that it gives each row its own column. */
    static double total(double[][] cost, int[] match) {
        boolean[] used = new boolean[cost[0].length];
        double t = 0;
        for (int i = 0; i < cost.length; i++) {
            assertTrue(!used[match[i]], "column " + match[i] + " given twice");
            used[match[i]] = true;
            t += cost[i][match[i]];
        }
        return t;
    }

    @Test
    void findsTheBruteForceOptimum() {
        qt().withFixedSeed(BRUTE_SEED).withExamples(200)
                .forAll(integers().between(1, 6), integers().between(0, 2), longs().all())
                .checkAssert((r, extra, seed) -> {
                    int c = r + extra;
                    float[] w = randomCosts(seed, r, c, false);
                    double[][] cost = rows(w, r, c, false);
                    assertEquals(bruteForceMin(cost, 0, new boolean[c]), total(cost, Hungarian.minCost(w, r, c)), 0.0,
                            "r " + r + " c " + c + " seed " + seed);
                });
    }

    @Test
    void maxWeightOfAbsoluteValuesIsTheBruteForceMaximum() {
        qt().withFixedSeed(ABS_SEED).withExamples(150)
                .forAll(integers().between(1, 6), integers().between(0, 2), longs().all())
                .checkAssert((r, extra, seed) -> {
                    int c = r + extra;
                    float[] w = randomCosts(seed, r, c, true);
                    double[][] negAbs = rows(w, r, c, true);
                    for (double[] row : negAbs) for (int j = 0; j < c; j++) row[j] = -row[j];
                    int[] match = Hungarian.maxWeight(w, r, c, true);
                    assertEquals(-bruteForceMin(negAbs, 0, new boolean[c]), -total(negAbs, match), 0.0, "seed " + seed);
                    // The signed maximum can only be lower: it may not flip a negative entry.
                    double[][] neg = rows(w, r, c, false);
                    for (double[] row : neg) for (int j = 0; j < c; j++) row[j] = -row[j];
                    assertEquals(-bruteForceMin(neg, 0, new boolean[c]), -total(neg, Hungarian.maxWeight(w, r, c, false)), 0.0);
                });
    }

    @Test
    void agreesWithTheTextbookMethodOnLargerProblems() {
        int[] beyondBruteForce = {0};
        qt().withFixedSeed(TEXTBOOK_SEED).withExamples(60)
                .forAll(integers().between(1, 60), integers().between(0, 60), longs().all())
                .checkAssert((r, extra, seed) -> {
                    int c = r + extra;
                    float[] w = randomCosts(seed, r, c, false);
                    double[][] cost = rows(w, r, c, false);
                    if (r > 6) beyondBruteForce[0]++;
                    assertEquals(total(cost, TextbookHungarian.minCost(cost)), total(cost, Hungarian.minCost(w, r, c)), 0.0,
                            "r " + r + " c " + c + " seed " + seed);
                });
        assertTrue(beyondBruteForce[0] >= 30, "problems larger than brute force reaches: " + beyondBruteForce[0]);
    }

    @Test
    void aPermutationMatrixIsRecoveredExactly() {
        // cost 0 on a planted permutation, 1 elsewhere: the unique optimum is the permutation.
        int r = 7, c = 9;
        int[] planted = {4, 0, 8, 2, 6, 1, 3};
        float[] w = new float[r * c];
        java.util.Arrays.fill(w, 1f);
        for (int i = 0; i < r; i++) w[i * c + planted[i]] = 0f;
        org.junit.jupiter.api.Assertions.assertArrayEquals(planted, Hungarian.minCost(w, r, c));
    }

    @Test
    void badInputIsRefusedInOneLine() {
        var tall = assertThrows(IllegalArgumentException.class, () -> Hungarian.minCost(new float[6], 3, 2));
        assertTrue(tall.getMessage().contains("need rows ≤ columns, got 3 × 2"), tall.getMessage());
        var size = assertThrows(IllegalArgumentException.class, () -> Hungarian.minCost(new float[5], 2, 3));
        assertTrue(size.getMessage().contains("has 5 entries, expected rows × columns = 2 × 3"), size.getMessage());
        var nan = assertThrows(IllegalArgumentException.class, () -> Hungarian.minCost(new float[] {Float.NaN, Float.NaN}, 1, 2));
        assertTrue(nan.getMessage().contains("entry (0, 0) is NaN; entries must be finite"), nan.getMessage());
    }
}
