package saelab.train.trainer;

import saelab.train.TestConfigs;
import java.util.ArrayList;
import java.util.List;
import saelab.tensor.backend.Backend;
import saelab.train.optim.AdamOptimizer;
import saelab.train.penalty.PenaltyConfig;
import saelab.train.penalty.kernels.CoFiring;
import saelab.train.penalty.CoFiringPenalty;
import saelab.train.sae.DecoderNorms;
import saelab.train.sae.SaeParams;
import saelab.train.sae.SparseEncoder;
import saelab.train.sae.TopKSae;
import saelab.train.schedule.Schedule;

/**
 * A "device" that is this JVM: its own copies of the parameters and Adam's moments (taken by
 * copying on upload, given back by copying on download), on which it runs the step with the CPU
 * math ({@link TopKLoss} with the co-firing penalty at the λ2 and threshold handed in, the decoder-gradient projection, clipping, Adam from
 * {@link AdamOptimizer#coefficients}, row normalisation), so the trainer's bookkeeping around a
 * resident step can be tested without an accelerator. It counts uploads and downloads, and it
 * checks what the trainer hands it (Adam's t, the dead mask's size, k_aux within bounds).
 *
 * <p>Registered as a {@link DeviceTopKStep.Factory} in the test class path's
 * {@code META-INF/services}, but off unless a test {@link #enable}s it on its thread, so every
 * other test in this module keeps the host path.
 */
public class HostDeviceTopKStep implements DeviceTopKStep {
    private final TrainConfig cfg;
    private final SaeParams mine;
    /** Adam over my parameters: its moments and t are the device's. */
    private final AdamOptimizer adam;
    private final TopKSae sae;
    int uploads, downloads, steps;
    boolean closed;

    HostDeviceTopKStep(TrainConfig cfg) {
        this.cfg = cfg;
        this.sae = TopKSae.init(new TopKSae.Config(cfg.dIn(), cfg.dSae(), TestConfigs.topk(cfg).k()), 0);
        this.mine = sae.params();
        this.adam = new AdamOptimizer(mine.list());
    }

    @Override public String device() { return "the host, simulated"; }

    @Override public void upload(SaeParams params, AdamOptimizer host) {
        open();
        uploads++;
        for (int i = 0; i < 4; i++) {
            float[] from = params.list().get(i).data();
            System.arraycopy(from, 0, mine.list().get(i).data(), 0, from.length);
        }
        adam.restore(host.steps(), moments(host, true), moments(host, false));
    }

    @Override public Outcome step(float[] x, int rows, Inputs in) {
        open();
        if (uploads == 0) throw new IllegalStateException("step before any upload");
        if (in.adamStep() != adam.steps() + 1) throw new IllegalStateException("Adam t " + in.adamStep() + " but the device is at " + adam.steps());
        if (in.dead().length != cfg.dSae()) throw new IllegalStateException("dead mask of " + in.dead().length + " latents, m = " + cfg.dSae());
        int nDead = 0;
        for (boolean b : in.dead()) if (b) nDead++;
        int kAux = TestConfigs.topk(cfg).auxkAlpha() > 0 && nDead > 0 ? Math.min(TestConfigs.topk(cfg).kAux(), nDead) : 0; // Inputs' contract
        if (in.kAux() != kAux) throw new IllegalStateException("k_aux " + in.kAux() + " with " + nDead + " dead latents; expected " + kAux);
        steps++;
        int d = cfg.dIn(), m = cfg.dSae();
        mine.zeroGrad();
        // The trainer decides whether there is an auxiliary term (k_aux 0: none) and how wide it is,
        // and hands over λ2(p) and t(p): the penalty runs at those values as constants.
        PenaltyConfig pen = cfg.penalty().active()
                ? new PenaltyConfig(PenaltyConfig.Kind.STATIC, new Schedule.Constant(in.lambda2()), new Schedule.Constant(in.threshold()),
                        cfg.penalty().target(), cfg.penalty().normalization())
                : PenaltyConfig.none();
        TopKLoss.Settings s = new TopKLoss.Settings(pen, TestConfigs.topk(cfg).auxkAlpha(), Math.max(1, in.kAux()));
        TopKLoss.Terms t = TopKLoss.compute(sae, x, rows, 0, s, in.kAux() > 0 ? in.dead() : null);
        // A logged step asks for the statistics over every pair, from the codes and decoder before the update.
        CoFiring.Summary summary = t.penalty() == null ? null : !in.allPairs() ? t.penalty().summary()
                : CoFiringPenalty.statistics(pen, 0, t.forward().values().toArray(), t.forward().selection().indices(), TestConfigs.topk(cfg).k(), mine.wDec());
        t.total().backward();
        DecoderNorms.removeParallelComponent(mine.wDec().data(), mine.wDec().gradData(), m, d);
        double norm = AdamOptimizer.clipGradNorm(mine.list(), cfg.gradClip() > 0 ? cfg.gradClip() : Double.POSITIVE_INFINITY);
        adam.step(in.lr()); // t advances to in.adamStep(): the coefficients are the host's
        DecoderNorms.normalizeRows(mine.wDec().data(), m, d, 1f);

        float[] xHat = t.forward().reconstruction().data();
        float[] rowError = new float[rows];
        for (int b = 0; b < rows; b++) {
            double e2 = 0;
            for (int j = 0; j < d; j++) { double e = x[b * d + j] - xHat[b * d + j]; e2 += e * e; }
            rowError[b] = (float) e2; // a device reduces per row in float registers: rounded once here
        }
        SparseEncoder.Selection sel = t.forward().selection();
        int[] kept = new int[rows];
        boolean[] fired = new boolean[m];
        for (int i = 0; i < sel.values().length; i++) {
            if (sel.values()[i] > 0) { kept[i / sel.k()]++; fired[sel.indices()[i]] = true; }
        }
        // TopKLoss adds no term when the residual has no variance; then AuxK reads 0.
        boolean auxActive = in.kAux() > 0 && t.auxk() != 0;
        return new Outcome(rowError, t.auxk(), auxActive, norm, kept, fired, summary);
    }

    @Override public void download(SaeParams params, AdamOptimizer host) {
        open();
        downloads++;
        for (int i = 0; i < 4; i++) {
            float[] from = mine.list().get(i).data();
            System.arraycopy(from, 0, params.list().get(i).data(), 0, from.length);
        }
        // The interface keeps the host's t: restore with it, and my moments.
        host.restore(host.steps(), moments(adam, true), moments(adam, false));
    }

    @Override public void close() { closed = true; }

    private void open() { if (closed) throw new IllegalStateException("used after close"); }

    private static float[][] moments(AdamOptimizer a, boolean first) {
        float[][] out = new float[4][];
        for (int i = 0; i < 4; i++) out[i] = (first ? a.firstMoment(i) : a.secondMoment(i)).clone();
        return out;
    }

    private static final ThreadLocal<List<HostDeviceTopKStep>> OPENED = new ThreadLocal<>();

    /**
     * Lets the registered factory open steps on this thread until the returned scope closes;
     * the steps it opened are listed in it (in order).
     */
    static Scope enable() {
        List<HostDeviceTopKStep> list = new ArrayList<>();
        OPENED.set(list);
        return new Scope(list);
    }

    record Scope(List<HostDeviceTopKStep> opened) implements AutoCloseable {
        HostDeviceTopKStep last() { return opened.getLast(); }
        @Override public void close() { OPENED.remove(); }
    }

    /** The factory ServiceLoader finds in this module's tests. */
    public static final class Factory implements DeviceTopKStep.Factory {
        static final String OFF = "the test double is off on this thread";

        @Override public Opening open(TrainConfig cfg, DeviceTopKStep.TopK topk, Backend backend) {
            List<HostDeviceTopKStep> opened = OPENED.get();
            if (opened == null) return Opening.no(OFF);
            HostDeviceTopKStep step = new HostDeviceTopKStep(cfg);
            opened.add(step);
            return Opening.of(step);
        }
    }
}
