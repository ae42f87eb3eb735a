package saelab.train.trainer;

import saelab.tensor.kernels.Parallel;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.quicktheories.generators.SourceDSL;
import saelab.train.Props;

/**
 * The step's explained variance against a float64 two-pass reference, the bits of its stated order
 * (per row in column order, rows in order), and the same bits on 1 and 3 threads (its sums run per
 * row, in parallel). Rows 1..400 (several tasks of 128), d 1..40.
 */
class ExplainedVarianceProperties {

    @Test
    void explainedVarianceIsTheFloat64RatioOnAnyThreadCount() {
        Props.qt(7901, 100).forAll(SourceDSL.integers().between(1, 400), SourceDSL.integers().between(1, 40), SourceDSL.longs().all())
                .checkAssert((rows, d, seed) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    float[] x = new float[rows * d], xHat = new float[rows * d];
                    for (int i = 0; i < x.length; i++) {
                        x[i] = (float) (3 + r.nextGaussian());
                        xHat[i] = (float) (x[i] + 0.3 * r.nextGaussian());
                    }
                    double[] mean = new double[d];
                    for (int i = 0; i < x.length; i++) mean[i % d] += x[i];
                    double res = 0, dev = 0;
                    for (int i = 0; i < x.length; i++) {
                        double e = x[i] - xHat[i], c = x[i] - mean[i % d] / rows; // e: the float difference, as the trainer takes it
                        res += e * e;
                        dev += c * c;
                    }
                    double expected = dev > 0 ? 1 - res / dev : Double.NaN;
                    double one = Parallel.withParallelism(1, () -> SaeTrainer.explainedVariance(x, xHat, rows, d));
                    double three = Parallel.withParallelism(3, () -> SaeTrainer.explainedVariance(x, xHat, rows, d));
                    assertEquals(Double.doubleToRawLongBits(one), Double.doubleToRawLongBits(three), "1 vs 3 threads");
                    // The order the docs state, written plainly: each column's sum over the rows in order, each row's
                    // squares in column order, the rows' sums in row order. Its bits, however the rows are split.
                    double[] colSum = new double[d];
                    for (int b = 0; b < rows; b++) for (int e = 0; e < d; e++) colSum[e] += x[b * d + e];
                    double resRows = 0, devRows = 0;
                    for (int b = 0; b < rows; b++) {
                        double rowRes = 0, rowDev = 0;
                        for (int e = 0; e < d; e++) {
                            double diff = x[b * d + e] - xHat[b * d + e], c = x[b * d + e] - colSum[e] / rows;
                            rowRes += diff * diff;
                            rowDev += c * c;
                        }
                        resRows += rowRes;
                        devRows += rowDev;
                    }
                    assertEquals(Double.doubleToRawLongBits(SaeTrainer.explainedVariance(resRows, devRows)), Double.doubleToRawLongBits(one),
                            "the per-row sums' bits, rows " + rows + ", d " + d);
                    if (Double.isNaN(expected)) {
                        assertEquals(Double.NaN, one);
                        return;
                    }
                    // The same terms summed in double in two orders (≤ rows·d + rows additions each): each sum
                    // within γ_n of exact, the mean's rounding (γ_rows) shifting dev's terms alike, so
                    // res/dev within ~3γ_n·res/dev of the reference's; asserted within 4n·2⁻⁵³·(res/dev + 1).
                    double n = (double) rows * d + rows + 2;
                    double bound = 4 * n * 0x1p-53 * (Math.abs(res / dev) + 1);
                    assertEquals(expected, one, bound, "explained variance, rows " + rows + ", d " + d);
                });
    }

}
