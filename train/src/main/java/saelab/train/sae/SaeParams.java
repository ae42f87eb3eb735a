package saelab.train.sae;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import saelab.tensor.Tensor;

/**
 * An SAE's parameters as an ordered list of named tensors, in checkpoint order. Every
 * architecture has W_enc [d, m], W_dec [m, d] (one row per latent) and b_dec [d]; the rest are
 * its own (TopK and standard: b_enc [m]; a gated SAE has b_gate, r_mag, b_mag and no b_enc).
 * All are autograd leaves that require grad; optimizers update their storage in place after
 * backward, and Adam, clipping, checkpoints and resume go over {@link #list} generically.
 */
public final class SaeParams {

    /** The layout of TopK and standard SAEs (SAELens's): W_enc, b_enc, W_dec, b_dec. */
    public static final List<String> NAMES = List.of("W_enc", "b_enc", "W_dec", "b_dec");

    private final List<String> names;
    private final List<Tensor> tensors;
    private final Tensor wEnc, wDec, bDec;

    /** @param names one per tensor, in checkpoint order; must include W_enc [d, m], W_dec [m, d] and b_dec [d] */
    public SaeParams(List<String> names, List<Tensor> tensors) {
        if (names.size() != tensors.size()) throw new IllegalArgumentException("SAE parameters: " + names.size() + " names for " + tensors.size() + " tensors");
        if (names.stream().distinct().count() != names.size()) throw new IllegalArgumentException("SAE parameter names repeat: " + names);
        this.names = List.copyOf(names);
        this.tensors = List.copyOf(tensors);
        this.wEnc = required("W_enc");
        this.wDec = required("W_dec");
        this.bDec = required("b_dec");
        int d = wEnc.dim(0), m = wEnc.rank() == 2 ? wEnc.dim(1) : -1;
        if (wEnc.rank() != 2 || wDec.rank() != 2 || bDec.rank() != 1 || wDec.dim(0) != m || wDec.dim(1) != d || bDec.dim(0) != d) {
            throw new IllegalArgumentException("SAE parameters must include W_enc [d, m], W_dec [m, d], b_dec [d]; got "
                    + shape(wEnc) + ", " + shape(wDec) + ", " + shape(bDec));
        }
        for (Tensor t : this.tensors) {
            if (t.offset() != 0 || t.data().length != t.numel()) throw new IllegalArgumentException("SAE parameters must own contiguous storage");
            if (t.isLeaf() && !t.requiresGrad()) t.setRequiresGrad(true);
        }
    }

    /** The four-tensor layout of TopK and standard SAEs: W_enc [d, m], b_enc [m], W_dec [m, d], b_dec [d]. */
    public SaeParams(Tensor wEnc, Tensor bEnc, Tensor wDec, Tensor bDec) {
        this(NAMES, List.of(wEnc, bEnc, wDec, bDec));
        if (bEnc.rank() != 1 || bEnc.dim(0) != dSae()) throw new IllegalArgumentException("b_enc must be [m = " + dSae() + "], got " + shape(bEnc));
    }

    /** Parameters from raw arrays (copied), W_enc [d, m] and W_dec [m, d], in the four-tensor layout. */
    public static SaeParams of(int d, int m, float[] wEnc, float[] bEnc, float[] wDec, float[] bDec) {
        return new SaeParams(Tensor.of(wEnc, d, m), Tensor.of(bEnc, m), Tensor.of(wDec, m, d), Tensor.of(bDec, d));
    }

    /** Parameters from named arrays (copied) with the given shapes, in the map's order. */
    public static SaeParams of(Map<String, float[]> arrays, Map<String, int[]> shapes) {
        List<String> names = new ArrayList<>();
        List<Tensor> ts = new ArrayList<>();
        for (var e : arrays.entrySet()) {
            names.add(e.getKey());
            ts.add(Tensor.of(e.getValue(), shapes.get(e.getKey())));
        }
        return new SaeParams(names, ts);
    }

    public int dIn() { return wEnc.dim(0); }
    public int dSae() { return wEnc.dim(1); }

    public Tensor wEnc() { return wEnc; }
    public Tensor wDec() { return wDec; }
    public Tensor bDec() { return bDec; }

    /** b_enc, for the architectures that have one. */
    public Tensor bEnc() { return get("b_enc"); }

    /** The parameter of this name; one line naming the known ones when there is none. */
    public Tensor get(String name) {
        int i = names.indexOf(name);
        if (i < 0) throw new IllegalArgumentException("this SAE has no parameter '" + name + "' (it has " + String.join(", ", names) + ")");
        return tensors.get(i);
    }

    public boolean has(String name) { return names.contains(name); }

    /** Names in checkpoint order. */
    public List<String> names() { return names; }

    /** Tensors in {@link #names} order. */
    public List<Tensor> list() { return tensors; }

    public void zeroGrad() { for (Tensor t : tensors) t.zeroGrad(); }

    /** An independent copy (fresh leaves, same values, same names). */
    public SaeParams copy() {
        List<Tensor> ts = new ArrayList<>();
        for (Tensor t : tensors) ts.add(Tensor.of(t.toArray(), t.shape()));
        return new SaeParams(names, ts);
    }

    private Tensor required(String name) {
        int i = names.indexOf(name);
        if (i < 0) throw new IllegalArgumentException("SAE parameters must include " + name + "; got " + String.join(", ", names));
        return tensors.get(i);
    }

    private static String shape(Tensor t) { return Arrays.toString(t.shape()); }
}
