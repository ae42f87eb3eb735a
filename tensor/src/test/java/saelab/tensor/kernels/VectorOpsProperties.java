package saelab.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import saelab.tensor.Props;

/**
 * Each vector kernel in {@link VectorOps} equals its {@link ScalarOps} twin. Sizes run from 0
 * through several vector lengths (8 or 16 floats) so every tail length is hit. Each property's
 * fixed seed makes the run reproducible; QuickTheories names it when a property fails.
 */
class VectorOpsProperties {
    /** Unit roundoff of float32. */
    static final double EPS = 0x1p-24;

    static float[] randomArray(long seed, int n) {
        Random r = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (r.nextGaussian() * 3);
        return x;
    }

    /** n 0..400 at offsets 0..7. */
    @Test
    void sumAndDotAgreeWithinTheSummationBound() {
        Props.qt(20261125, 300).forAll(Props.ints(0, 400), Props.ints(0, 7), Props.seeds())
                .checkAssert(VectorOpsProperties::sumAndDot);
    }

    private static void sumAndDot(int n, int off, long seed) {
        float[] a = randomArray(seed, n + off), b = randomArray(seed + 1, n + off);
        double absSum = 0, absDot = 0;
        for (int i = 0; i < n; i++) { absSum += Math.abs(a[off + i]); absDot += Math.abs((double) a[off + i] * b[off + i]); }
        // Two float summations of n terms in different orders each err by at most γ_n·Σ|t|
        // (γ_n = nε/(1−nε) ≈ nε), so they differ by at most 2γ_n·Σ|t|.
        double gamma = n * EPS / (1 - n * EPS);
        assertEquals(ScalarOps.sum(a, off, n), VectorOps.sum(a, off, n), 2 * gamma * absSum + 1e-30);
        assertEquals(ScalarOps.dot(a, off, b, off, n), VectorOps.dot(a, off, b, off, n), 2 * gamma * absDot + 1e-30);
        assertEquals(ScalarOps.max(a, off, n), VectorOps.max(a, off, n), 0.0, "max is exact");
    }

    /** n 0..300 at offsets 0..5. */
    @Test
    void elementwiseOpsAreBitIdentical() {
        Props.qt(20261126, 200).forAll(Props.ints(0, 300), Props.ints(0, 5), Props.seeds())
                .checkAssert(VectorOpsProperties::elementwise);
    }

    private static void elementwise(int n, int off, long seed) {
        float[] a = randomArray(seed, n + off), b = randomArray(seed + 1, n + off);
        float alpha = (float) new Random(seed).nextGaussian();
        float[] y1 = b.clone(), y2 = b.clone();
        ScalarOps.axpy(alpha, a, off, y1, off, n);
        VectorOps.axpy(alpha, a, off, y2, off, n);
        assertArrayBits(y1, y2, "axpy");
        float[] s1 = a.clone(), s2 = a.clone();
        ScalarOps.scale(alpha, s1, off, n);
        VectorOps.scale(alpha, s2, off, n);
        assertArrayBits(s1, s2, "scale");
        float[] o1 = new float[n + off], o2 = new float[n + off];
        ScalarOps.add(a, off, b, off, o1, off, n);
        VectorOps.add(a, off, b, off, o2, off, n);
        assertArrayBits(o1, o2, "add");
        ScalarOps.mul(a, off, b, off, o1, off, n);
        VectorOps.mul(a, off, b, off, o2, off, n);
        assertArrayBits(o1, o2, "mul");
    }

    /** keepOrFill: each entry kept (its bits, −0 and NaN included) or filled, n 0..300, x and mask at different offsets. */
    @Test
    void keepOrFillKeepsOrFillsEachEntry() {
        int[] both = {0};
        Props.qt(20261210, 200).forAll(Props.ints(0, 300), Props.ints(0, 5), Props.ints(0, 5), Props.seeds()).checkAssert((n, off, keepOff, seed) -> {
            Random r = new Random(seed);
            float[] x = randomArray(seed, n + off);
            for (int i = 0; i < x.length; i++) if (r.nextInt(10) == 0) x[i] = r.nextBoolean() ? -0f : Float.NaN;
            boolean[] keep = new boolean[n + keepOff];
            for (int i = 0; i < keep.length; i++) keep[i] = r.nextBoolean();
            float[] expected = x.clone(), got = x.clone();
            int kept = 0;
            for (int i = 0; i < n; i++) {
                if (keep[keepOff + i]) kept++;
                else expected[off + i] = Float.NEGATIVE_INFINITY;
            }
            VectorOps.keepOrFill(got, off, n, keep, keepOff, Float.NEGATIVE_INFINITY);
            assertArrayBits(expected, got, "keepOrFill");
            if (kept > 0 && kept < n) both[0]++;
        });
        assertTrue(both[0] > 100, "examples with kept and filled entries: " + both[0]);
    }

    /** rows 0..6 of cols 0..70, row stride cols + pad (pad 0..3). */
    @Test
    void rowEpiloguesAreBitIdentical() {
        Props.qt(20261127, 150).forAll(Props.ints(0, 6), Props.ints(0, 70), Props.ints(0, 3), Props.seeds())
                .checkAssert(VectorOpsProperties::rowEpilogues);
    }

    private static void rowEpilogues(int rows, int cols, int pad, long seed) {
        int ld = cols + pad;
        float[] x = randomArray(seed, rows * ld + 1), bias = randomArray(seed + 2, cols + 1);
        float[] x1 = x.clone(), x2 = x.clone();
        ScalarOps.biasRelu(x1, 1, rows, cols, ld, bias, 1);
        VectorOps.biasRelu(x2, 1, rows, cols, ld, bias, 1);
        assertArrayBits(x1, x2, "biasRelu");
        x1 = x.clone(); x2 = x.clone();
        ScalarOps.addRowBias(x1, 1, rows, cols, ld, bias, 0);
        VectorOps.addRowBias(x2, 1, rows, cols, ld, bias, 0);
        assertArrayBits(x1, x2, "addRowBias");
    }

    /** rows 0..5 of cols 1..90. */
    @Test
    void transcendentalOpsAgreeWithinAFewUlp() {
        Props.qt(20261128, 150).forAll(Props.ints(0, 5), Props.ints(1, 90), Props.seeds())
                .checkAssert(VectorOpsProperties::transcendental);
    }

    private static void transcendental(int rows, int cols, long seed) {
        float[] x = randomArray(seed, rows * cols), up = randomArray(seed + 3, rows * cols);
        // softmax: exp within 1 ulp per term on each side, the row sum reordered (≤ 2γ_n
        // relative, all terms positive), one division: 8ε + 2nε relative covers it.
        float[] p1 = x.clone(), p2 = x.clone();
        ScalarOps.softmaxRows(p1, 0, rows, cols, cols);
        VectorOps.softmaxRows(p2, 0, rows, cols, cols);
        double relSoftmax = 8 * EPS + 2 * cols * EPS;
        for (int i = 0; i < p1.length; i++) assertEquals(p1[i], p2[i], relSoftmax * p1[i] + 1e-30, "softmax at " + i);
        // rmsNorm: the sum of squares reordered (2γ_n relative), then one sqrt, two products.
        float[] w = randomArray(seed + 4, cols), n1 = new float[x.length], n2 = new float[x.length];
        ScalarOps.rmsNormRows(x, 0, n1, 0, rows, cols, w, 0, 1e-6f);
        VectorOps.rmsNormRows(x, 0, n2, 0, rows, cols, w, 0, 1e-6f);
        double relNorm = 8 * EPS + 2 * cols * EPS;
        for (int i = 0; i < n1.length; i++) assertEquals(n1[i], n2[i], relNorm * Math.abs(n1[i]) + 1e-30, "rmsNorm at " + i);
        // gelu·up: tanh differs by ≤ 2 ulp (≤ 2ε, |tanh| ≤ 1) which moves ½x(1+t)·up by ½|x·up|·2ε;
        // the remaining products round alike but for the tanh input: 8ε relative on top.
        float[] g1 = new float[x.length], g2 = new float[x.length];
        ScalarOps.geluTanhMul(x, 0, up, 0, g1, 0, x.length);
        VectorOps.geluTanhMul(x, 0, up, 0, g2, 0, x.length);
        for (int i = 0; i < g1.length; i++) {
            double tol = 8 * EPS * Math.abs(g1[i]) + 2 * EPS * Math.abs((double) x[i] * up[i]) + 1e-30;
            assertEquals(g1[i], g2[i], tol, "geluTanhMul at " + i);
        }
        // softCap: cap·tanh(x/cap), tanh within 2 ulp of each other → 4ε·cap absolute.
        float[] c1 = x.clone(), c2 = x.clone();
        ScalarOps.softCap(c1, 0, x.length, 5f);
        VectorOps.softCap(c2, 0, x.length, 5f);
        for (int i = 0; i < c1.length; i++) assertEquals(c1[i], c2[i], 4 * EPS * 5f + 1e-30, "softCap at " + i);
    }

    /** cols 1..50. */
    @Test
    void softmaxRowsSumToOneAndSurviveFullMasking() {
        Props.qt(20261129, 50).forAll(Props.ints(1, 50), Props.seeds()).checkAssert(VectorOpsProperties::softmaxSumsToOne);
    }

    private static void softmaxSumsToOne(int cols, long seed) {
        float[] x = randomArray(seed, 2 * cols);
        java.util.Arrays.fill(x, cols, 2 * cols, Float.NEGATIVE_INFINITY);
        VectorOps.softmaxRows(x, 0, 2, cols, cols);
        double s = 0;
        for (int j = 0; j < cols; j++) s += x[j];
        assertEquals(1.0, s, 4 * cols * EPS + 8 * EPS);
        for (int j = cols; j < 2 * cols; j++) assertEquals(0f, x[j], "a fully masked row is zeros, not NaN");
    }

    static void assertArrayBits(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertTrue(Float.floatToIntBits(expected[i]) == Float.floatToIntBits(actual[i]),
                    what + " differs at " + i + ": " + expected[i] + " vs " + actual[i]);
        }
    }
}
