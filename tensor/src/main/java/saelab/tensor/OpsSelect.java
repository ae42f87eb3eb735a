package saelab.tensor;

import saelab.tensor.kernels.TopK;

/**
 * Primitive selection ops: row-wise TopK (the sparsity of a TopK SAE) and gatherRows
 * (embedding lookup). Both route gradient only to the entries they picked.
 */
final class OpsSelect {
    private OpsSelect() {}

    /**
     * Per row of the matrix reading, keeps the k largest entries. Selection is
     * {@link TopK#rows}. Backward: kept entries pass their gradient, all others get exactly 0
     * (the selection is locally constant away from ties, so this is the true derivative there).
     */
    static TopKSelection topk(Tensor x, int k) {
        Shape.requireMatrix("topk", x.shape());
        int r = x.rows(), c = x.cols();
        if (k < 0 || k > c) {
            throw new IllegalArgumentException("topk: k=" + k + " must be in [0, " + c + "] for shape " + Shape.str(x.shape()));
        }
        int[] idx = new int[r * k];
        float[] val = new float[r * k];
        TopK.rows(x.data(), x.offset(), c, r, c, k, idx, val);
        float[] y = new float[r * c];
        for (int i = 0; i < r; i++) {
            for (int t = 0; t < k; t++) y[i * c + idx[i * k + t]] = val[i * k + t];
        }
        Tensor out = new Tensor(y, 0, x.shape());
        Autograd.record(out, "topk", gy -> {
            float[] gx = x.gradBuffer();
            for (int i = 0; i < r; i++) {
                for (int t = 0; t < k; t++) {
                    int o = i * c + idx[i * k + t];
                    gx[o] += gy[o];
                }
            }
        }, x);
        return new TopKSelection(out, k, idx, val);
    }

    /**
     * out[i] = table[ids[i]] for a table [V, d]; output [ids.length, d]. Backward scatter-adds:
     * a row id that appears several times receives the sum of those rows' gradients.
     */
    static Tensor gatherRows(Tensor table, int... ids) {
        if (table.rank() != 2) {
            throw new IllegalArgumentException("gatherRows: table must be 2-D, got shape " + Shape.str(table.shape()));
        }
        if (ids.length == 0) throw new IllegalArgumentException("gatherRows: no ids");
        int v = table.rows(), d = table.cols();
        int[] rowIds = ids.clone(); // the caller may reuse its array before backward runs
        for (int i = 0; i < rowIds.length; i++) {
            if (rowIds[i] < 0 || rowIds[i] >= v) {
                throw new IndexOutOfBoundsException("gatherRows: ids[" + i + "] = " + rowIds[i]
                        + " outside table of shape " + Shape.str(table.shape()));
            }
        }
        float[] td = table.data();
        int to = table.offset();
        float[] y = new float[rowIds.length * d];
        for (int i = 0; i < rowIds.length; i++) System.arraycopy(td, to + rowIds[i] * d, y, i * d, d);
        Tensor out = new Tensor(y, 0, new int[] {rowIds.length, d});
        return Autograd.record(out, "gatherRows", gy -> {
            float[] gt = table.gradBuffer();
            for (int i = 0; i < rowIds.length; i++) {
                int base = rowIds[i] * d;
                for (int j = 0; j < d; j++) gt[base + j] += gy[i * d + j];
            }
        }, table);
    }
}
