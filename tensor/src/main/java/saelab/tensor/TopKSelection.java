package saelab.tensor;

/**
 * The result of a row-wise TopK ({@link Tensor#topkSelect}): {@code dense} has the input's
 * shape with every entry that was not kept set to 0, and carries the graph; for each row,
 * {@code indices} and {@code values} (rows×k, row-major, constants) list the kept columns by
 * value descending, equal values toward the lower column index.
 */
public record TopKSelection(Tensor dense, int k, int[] indices, float[] values) {
    /** Kept column of rank t (0 = largest) in row r. */
    public int index(int r, int t) { return indices[r * k + t]; }

    /** Kept value of rank t (0 = largest) in row r. */
    public float value(int r, int t) { return values[r * k + t]; }
}
