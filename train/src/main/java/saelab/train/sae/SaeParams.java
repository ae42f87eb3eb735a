package saelab.train.sae;

import java.util.List;
import saelab.tensor.Tensor;

/**
 * The four parameters of an SAE, in the SAELens layout: encoder W_enc [d, m], b_enc [m],
 * decoder W_dec [m, d] (one row per latent), b_dec [d]. All are autograd leaves that require
 * grad; optimizers update their storage in place after backward.
 */
public record SaeParams(Tensor wEnc, Tensor bEnc, Tensor wDec, Tensor bDec) {

    public static final List<String> NAMES = List.of("W_enc", "b_enc", "W_dec", "b_dec");

    public SaeParams {
        int d = wEnc.dim(0), m = wEnc.dim(1);
        if (wEnc.rank() != 2 || bEnc.rank() != 1 || wDec.rank() != 2 || bDec.rank() != 1
                || bEnc.dim(0) != m || wDec.dim(0) != m || wDec.dim(1) != d || bDec.dim(0) != d) {
            throw new IllegalArgumentException("SAE parameters must be W_enc [d, m], b_enc [m], W_dec [m, d], b_dec [d]; got "
                    + shape(wEnc) + ", " + shape(bEnc) + ", " + shape(wDec) + ", " + shape(bDec));
        }
        for (Tensor t : new Tensor[] {wEnc, bEnc, wDec, bDec}) {
            if (t.offset() != 0 || t.data().length != t.numel()) throw new IllegalArgumentException("SAE parameters must own contiguous storage");
            if (t.isLeaf() && !t.requiresGrad()) t.setRequiresGrad(true);
        }
    }

    /** Parameters from raw arrays (copied), W_enc [d, m] and W_dec [m, d]. */
    public static SaeParams of(int d, int m, float[] wEnc, float[] bEnc, float[] wDec, float[] bDec) {
        return new SaeParams(Tensor.of(wEnc, d, m), Tensor.of(bEnc, m), Tensor.of(wDec, m, d), Tensor.of(bDec, d));
    }

    public int dIn() { return wEnc.dim(0); }
    public int dSae() { return wEnc.dim(1); }

    /** In {@link #NAMES} order. */
    public List<Tensor> list() { return List.of(wEnc, bEnc, wDec, bDec); }

    public void zeroGrad() { for (Tensor t : list()) t.zeroGrad(); }

    /** An independent copy (fresh leaves, same values). */
    public SaeParams copy() {
        return of(dIn(), dSae(), wEnc.toArray(), bEnc.toArray(), wDec.toArray(), bDec.toArray());
    }

    private static String shape(Tensor t) { return java.util.Arrays.toString(t.shape()); }
}
