package saelab.eval.experiment;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import saelab.model.harvest.HarvestException;
import saelab.model.harvest.HarvestManifest;
import saelab.model.safetensors.Dtype;
import saelab.model.safetensors.SafetensorsFile;
import saelab.model.safetensors.TensorView;
import saelab.tensor.kernels.Bf16;

/**
 * The held-out part of a model experiment's harvest: its first {@code sequences} packed
 * sequences, read back from the shards. The token ids feed the splice scores (the model runs on
 * them again); the activations of the rows that are not {@code <bos>} are the held-out batch of
 * the core metrics (SAEBench leaves special tokens out of the reconstruction metrics; with
 * packing, {@code <bos>} also starts each document inside a sequence).
 *
 * @param ids   token ids [sequences × context], row-major; each sequence begins with {@code <bos>}
 * @param x     activations of the non-{@code <bos>} rows [rows × hidden], in harvest order
 * @param rows  how many rows {@code x} holds
 */
public record HeldOutSet(int sequences, int context, int hidden, int bosTokenId, int[] ids, float[] x, int rows) {

    /** Rows [0, sequences·context) of the harvest in {@code dir}. */
    public static HeldOutSet read(Path dir, HarvestManifest m, int sequences) {
        int context = m.context(), hidden = m.hiddenSize(), n = Math.multiplyExact(sequences, context);
        if (m.tokens() < n) {
            throw new HarvestException(dir.resolve(HarvestManifest.FILE_NAME) + ": holds " + m.tokens() + " rows, the held-out set needs the first " + n);
        }
        int[] ids = new int[n];
        float[] all = new float[Math.multiplyExact(n, hidden)];
        for (HarvestManifest.Shard s : m.shards()) {
            if (s.firstRow() >= n) break;
            int from = (int) s.firstRow(), count = (int) Math.min(s.rows(), n - s.firstRow());
            Path file = dir.resolve(s.file());
            try (SafetensorsFile f = SafetensorsFile.open(file)) {
                TensorView a = f.tensor(HarvestManifest.ACTIVATIONS), t = f.tensor(HarvestManifest.TOKEN_IDS);
                if (a.rank() != 2 || a.dim(0) != s.rows() || a.dim(1) != hidden || a.dtype() != m.dtype()) {
                    throw new HarvestException(file + ": tensor 'activations' is " + a.dtype() + java.util.Arrays.toString(a.shape())
                            + ", the manifest expects " + m.dtype() + "[" + s.rows() + ", " + hidden + "]");
                }
                if (t.rank() != 1 || t.dim(0) != s.rows() || t.dtype() != Dtype.I32) {
                    throw new HarvestException(file + ": tensor 'token_ids' is " + t.dtype() + java.util.Arrays.toString(t.shape())
                            + ", expected I32[" + s.rows() + "]");
                }
                MemorySegment seg = a.data();
                if (m.dtype() == Dtype.F32) {
                    MemorySegment.copy(seg, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, all, from * hidden, count * hidden);
                } else {
                    Bf16.toFloat(seg, 0, all, from * hidden, count * hidden);
                }
                MemorySegment.copy(t.data(), ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, ids, from, count);
            }
        }
        int bos = m.bosTokenId(), rows = 0;
        for (int i = 0; i < n; i++) {
            if (i % context == 0 && ids[i] != bos) {
                throw new HarvestException(dir + ": row " + i + " starts a sequence but holds token " + ids[i] + ", not <bos> " + bos);
            }
            if (ids[i] != bos) rows++;
        }
        float[] x = new float[Math.multiplyExact(rows, hidden)];
        for (int i = 0, r = 0; i < n; i++) if (ids[i] != bos) System.arraycopy(all, i * hidden, x, r++ * hidden, hidden);
        return new HeldOutSet(sequences, context, hidden, bos, ids, x, rows);
    }

    /** Token ids of sequences [from, from + count). */
    public int[] ids(int from, int count) {
        return java.util.Arrays.copyOfRange(ids, from * context, (from + count) * context);
    }
}
