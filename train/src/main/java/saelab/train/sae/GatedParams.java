package saelab.train.sae;

import java.util.List;
import saelab.tensor.Tensor;

/**
 * A Gated SAE's parameters in the SAELens layout and names: W_enc [d, m] (shared by both
 * paths), b_gate [m], r_mag [m] (the magnitude path's per-latent log-scale), b_mag [m],
 * W_dec [m, d] (one row per latent), b_dec [d]. No b_enc: SAELens's GatedSAE has none. All are
 * autograd leaves that require grad; optimizers update their storage in place after backward.
 */
public record GatedParams(Tensor wEnc, Tensor bGate, Tensor rMag, Tensor bMag, Tensor wDec, Tensor bDec) {

    /** SAELens's tensor names, in {@link #list} order. */
    public static final List<String> NAMES = List.of("W_enc", "b_gate", "r_mag", "b_mag", "W_dec", "b_dec");

    public GatedParams {
        int d = wEnc.dim(0), m = wEnc.rank() == 2 ? wEnc.dim(1) : -1;
        boolean ok = wEnc.rank() == 2 && wDec.rank() == 2 && wDec.dim(0) == m && wDec.dim(1) == d && bDec.rank() == 1 && bDec.dim(0) == d;
        for (Tensor v : new Tensor[] {bGate, rMag, bMag}) ok &= v.rank() == 1 && v.dim(0) == m;
        if (!ok) {
            throw new IllegalArgumentException("Gated SAE parameters must be W_enc [d, m], b_gate, r_mag, b_mag [m], W_dec [m, d], b_dec [d]; got "
                    + shape(wEnc) + ", " + shape(bGate) + ", " + shape(rMag) + ", " + shape(bMag) + ", " + shape(wDec) + ", " + shape(bDec));
        }
        for (Tensor t : new Tensor[] {wEnc, bGate, rMag, bMag, wDec, bDec}) {
            if (t.offset() != 0 || t.data().length != t.numel()) throw new IllegalArgumentException("Gated SAE parameters must own contiguous storage");
            if (t.isLeaf() && !t.requiresGrad()) t.setRequiresGrad(true);
        }
    }

    /** From raw arrays (copied), W_enc [d, m] and W_dec [m, d]. */
    public static GatedParams of(int d, int m, float[] wEnc, float[] bGate, float[] rMag, float[] bMag, float[] wDec, float[] bDec) {
        return new GatedParams(Tensor.of(wEnc, d, m), Tensor.of(bGate, m), Tensor.of(rMag, m), Tensor.of(bMag, m), Tensor.of(wDec, m, d), Tensor.of(bDec, d));
    }

    public int dIn() { return wEnc.dim(0); }
    public int dSae() { return wEnc.dim(1); }

    /** In {@link #NAMES} order. */
    public List<Tensor> list() { return List.of(wEnc, bGate, rMag, bMag, wDec, bDec); }

    public void zeroGrad() { for (Tensor t : list()) t.zeroGrad(); }

    /** An independent copy (fresh leaves, same values). */
    public GatedParams copy() {
        return of(dIn(), dSae(), wEnc.toArray(), bGate.toArray(), rMag.toArray(), bMag.toArray(), wDec.toArray(), bDec.toArray());
    }

    private static String shape(Tensor t) { return java.util.Arrays.toString(t.shape()); }
}
