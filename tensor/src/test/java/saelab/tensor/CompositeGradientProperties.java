package saelab.tensor;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Whole losses, gradients w.r.t. every parameter at once: a 2-layer MLP regression loss and a
 * cross-entropy (log-softmax + gather) classification loss, against float64 finite differences
 * of twins assembled from the F64 pieces.
 */
class CompositeGradientProperties {

    @Property(tries = 80, seed = "6601")
    void mlpMeanSquaredError(@ForAll @IntRange(min = 1, max = 7) int batch, @ForAll @IntRange(min = 1, max = 13) int in,
                             @ForAll @IntRange(min = 1, max = 17) int hidden, @ForAll @IntRange(min = 1, max = 5) int out,
                             @ForAll long seed) {
        Tensor x = Inputs.normal(seed + 10, batch, in);
        Tensor target = Inputs.normal(seed + 11, batch, out);
        double[] x64 = GradCheck.widen(x.toArray()), t64 = GradCheck.widen(target.toArray());
        Tensor[] params = {
            Inputs.normal(seed, in, hidden).mul(0.5f), Inputs.normal(seed + 1, hidden),
            Inputs.normal(seed + 2, hidden, out).mul(0.5f), Inputs.normal(seed + 3, out)};
        GradCheck.check("MLP mse", seed, params,
                p -> x.matmul(p[0]).add(p[1]).gelu().matmul(p[2]).add(p[3]).sub(target).square().mean(),
                p -> {
                    double[] h = F64.map(F64.broadcast(F64.matmul(x64, batch, in, p[0], in, hidden, false, false),
                            batch, hidden, p[1], 1, hidden, Double::sum), F64::gelu);
                    double[] y = F64.broadcast(F64.matmul(h, batch, hidden, p[2], hidden, out, false, false),
                            batch, out, p[3], 1, out, Double::sum);
                    double s = 0;
                    for (int i = 0; i < y.length; i++) s += (y[i] - t64[i]) * (y[i] - t64[i]);
                    return new double[] {s / y.length};
                });
    }

    @Property(tries = 100, seed = "6602")
    void crossEntropy(@ForAll @IntRange(min = 1, max = 9) int n, @ForAll @IntRange(min = 1, max = 35) int classes,
                      @ForAll long seed) {
        int[] targets = targets(seed, n, classes);
        GradCheck.check("crossEntropy", seed, new Tensor[] {Inputs.normal(seed, n, classes).mul(2f)},
                x -> x[0].crossEntropy(targets),
                d -> new double[] {crossEntropy64(d[0], n, classes, targets)});
    }

    @Property(tries = 60, seed = "6603")
    void mlpCrossEntropy(@ForAll @IntRange(min = 1, max = 7) int batch, @ForAll @IntRange(min = 1, max = 13) int in,
                         @ForAll @IntRange(min = 1, max = 17) int hidden, @ForAll @IntRange(min = 1, max = 9) int classes,
                         @ForAll long seed) {
        // Second layer stored as [classes, hidden] and applied transposed, as a tied/embedding
        // unembedding would be: exercises matmul's NT backward inside a real loss.
        Tensor x = Inputs.normal(seed + 10, batch, in);
        double[] x64 = GradCheck.widen(x.toArray());
        int[] targets = targets(seed, batch, classes);
        Tensor[] params = {Inputs.normal(seed, in, hidden).mul(0.5f), Inputs.normal(seed + 2, classes, hidden).mul(0.5f)};
        GradCheck.check("MLP crossEntropy", seed, params,
                p -> x.matmul(p[0]).tanh().matmul(p[1], false, true).crossEntropy(targets),
                p -> {
                    double[] h = F64.map(F64.matmul(x64, batch, in, p[0], in, hidden, false, false), Math::tanh);
                    double[] logits = F64.matmul(h, batch, hidden, p[1], classes, hidden, false, true);
                    return new double[] {crossEntropy64(logits, batch, classes, targets)};
                });
    }

    private static int[] targets(long seed, int n, int classes) {
        SplittableRandom rng = new SplittableRandom(seed ^ 77);
        int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = rng.nextInt(classes);
        return t;
    }

    private static double crossEntropy64(double[] logits, int n, int c, int[] targets) {
        double[] lp = F64.logSoftmax(logits, n, c);
        double s = 0;
        for (int i = 0; i < n; i++) s -= lp[i * c + targets[i]];
        return s / n;
    }
}
