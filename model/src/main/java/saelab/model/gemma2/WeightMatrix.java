package saelab.model.gemma2;

import java.lang.foreign.MemorySegment;
import saelab.model.safetensors.Dtype;
import saelab.model.safetensors.TensorView;
import saelab.tensor.kernels.Bf16;
import saelab.tensor.kernels.Bf16Gemm;
import saelab.tensor.kernels.Gemm;

/**
 * A weight matrix [rows × cols] as a checkpoint stores it (a torch Linear's [out, in], or the
 * embedding's [vocab, hidden]). BF16 stays in the mapped file and is widened inside the GEMM;
 * F32 and F16 are read once into a float array (the kernels have no in-place path for them, and
 * neither is the format gemma is shipped or benchmarked in).
 */
sealed interface WeightMatrix {
    int rows();

    int cols();

    /** out[m × rows] = x[m × cols] · Wᵀ: a Linear layer applied to m rows. */
    void applyTo(int m, float[] x, int xOff, float[] out, int outOff);

    /** dst[dOff .. dOff+cols) = row r of W, as float32 (an embedding lookup). */
    void row(int r, float[] dst, int dOff);

    static WeightMatrix of(TensorView view) {
        int rows = Math.toIntExact(view.dim(0)), cols = Math.toIntExact(view.dim(1));
        return view.dtype() == Dtype.BF16
                ? new InPlaceBf16(rows, cols, view.data())
                : new Float32(rows, cols, view.toFloatArray());
    }

    record InPlaceBf16(int rows, int cols, MemorySegment data) implements WeightMatrix {
        @Override public void applyTo(int m, float[] x, int xOff, float[] out, int outOff) {
            Bf16Gemm.gemmNT(m, rows, cols, x, xOff, cols, data, 0, cols, out, outOff, rows, false);
        }

        @Override public void row(int r, float[] dst, int dOff) {
            Bf16.toFloat(data, 2L * r * cols, dst, dOff, cols);
        }
    }

    record Float32(int rows, int cols, float[] data) implements WeightMatrix {
        @Override public void applyTo(int m, float[] x, int xOff, float[] out, int outOff) {
            Gemm.sgemm(Gemm.Form.NT, m, rows, cols, x, xOff, cols, data, 0, cols, out, outOff, rows, false);
        }

        @Override public void row(int r, float[] dst, int dOff) {
            System.arraycopy(data, r * cols, dst, dOff, cols);
        }
    }
}
