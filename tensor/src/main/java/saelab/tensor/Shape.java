package saelab.tensor;

import java.util.Arrays;

/**
 * Helpers for shapes, which are plain {@code int[]} (rank ≥ 1, every dimension ≥ 1).
 *
 * <p>Most ops are defined on matrices. A rank-1 shape {@code [n]} is read as the single row
 * {@code [1, n]} (the numpy convention), so a vector broadcasts against a matrix row-wise and
 * row-wise ops (softmax, TopK) treat it as one row. {@link #rows} and {@link #cols} give that
 * matrix reading; ops that need it reject rank &gt; 2 with {@link #requireMatrix}.
 */
public final class Shape {
    private Shape() {}

    /** Validates and copies a shape, so no caller can later mutate a tensor's shape through it. */
    public static int[] of(int... dims) {
        if (dims == null || dims.length == 0) {
            throw new IllegalArgumentException("shape must have rank >= 1, got " + str(dims));
        }
        for (int d : dims) {
            if (d < 1) throw new IllegalArgumentException("shape dimensions must be >= 1, got " + str(dims));
        }
        return dims.clone();
    }

    public static int numel(int[] shape) {
        long n = 1;
        for (int d : shape) n *= d;
        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("shape " + str(shape) + " has more than 2^31-1 elements");
        return (int) n;
    }

    /** Rows of the matrix reading: 1 for a vector, the first dimension for a matrix. */
    public static int rows(int[] shape) {
        return shape.length == 1 ? 1 : shape[0];
    }

    /** Columns of the matrix reading: the last dimension. */
    public static int cols(int[] shape) {
        return shape[shape.length - 1];
    }

    public static void requireMatrix(String op, int[] shape) {
        if (shape.length > 2) {
            throw new IllegalArgumentException(op + ": needs a rank-1 or rank-2 tensor, got shape " + str(shape));
        }
    }

    public static boolean same(int[] a, int[] b) {
        return Arrays.equals(a, b);
    }

    public static String str(int[] shape) {
        return shape == null ? "null" : Arrays.toString(shape);
    }
}
