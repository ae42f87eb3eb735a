package saelab.model.safetensors;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.function.Supplier;

/**
 * A tensor to be written: its dtype, shape and where its values come from. Float values are
 * rounded to BF16/F16 on the way out (round to nearest even). A lazy source is asked for its
 * values only when the writer reaches the tensor, so a checkpoint larger than memory can be
 * generated one tensor at a time.
 */
public record TensorData(Dtype dtype, long[] shape, Source source) {

    /** Where the values come from. */
    public sealed interface Source {}
    public record Floats(float[] values) implements Source {}
    public record Ints(int[] values) implements Source {}
    public record Longs(long[] values) implements Source {}
    /** Bytes already in the file's format (little-endian {@code dtype}). */
    public record Bytes(MemorySegment bytes) implements Source {}
    /** Floats, computed when written. */
    public record LazyFloats(Supplier<float[]> values) implements Source {}
    /**
     * Floats produced range by range while written, never all at once: a tensor larger than
     * memory (or than a Java array) can be generated straight into the file.
     */
    public record StreamedFloats(RangeFiller filler) implements Source {}

    /** Fills dst[0, count) with elements [start, start + count) of the tensor, row-major. */
    @FunctionalInterface
    public interface RangeFiller {
        void fill(long start, float[] dst, int count);
    }

    public TensorData {
        shape = shape.clone();
        long numel = numel(shape);
        switch (source) {
            case Floats f -> {
                require(dtype.isFloatingPoint(), dtype, "float values");
                requireLength(f.values().length, numel, shape);
            }
            case LazyFloats ignored -> require(dtype.isFloatingPoint(), dtype, "float values");
            case StreamedFloats ignored -> require(dtype.isFloatingPoint(), dtype, "float values");
            case Ints i -> {
                require(dtype == Dtype.I32 || dtype == Dtype.I64, dtype, "int values");
                requireLength(i.values().length, numel, shape);
            }
            case Longs l -> {
                require(dtype == Dtype.I64, dtype, "long values");
                requireLength(l.values().length, numel, shape);
            }
            case Bytes b -> {
                if (b.bytes().byteSize() != numel * dtype.byteSize()) {
                    throw new IllegalArgumentException(b.bytes().byteSize() + " bytes for shape "
                            + Arrays.toString(shape) + " of " + dtype + ", expected " + numel * dtype.byteSize());
                }
            }
        }
    }

    public static TensorData of(Dtype dtype, long[] shape, float[] values) { return new TensorData(dtype, shape, new Floats(values)); }
    public static TensorData f32(long[] shape, float[] values) { return of(Dtype.F32, shape, values); }
    public static TensorData bf16(long[] shape, float[] values) { return of(Dtype.BF16, shape, values); }
    public static TensorData f16(long[] shape, float[] values) { return of(Dtype.F16, shape, values); }
    public static TensorData i32(long[] shape, int[] values) { return new TensorData(Dtype.I32, shape, new Ints(values)); }
    public static TensorData i64(long[] shape, long[] values) { return new TensorData(Dtype.I64, shape, new Longs(values)); }
    public static TensorData lazy(Dtype dtype, long[] shape, Supplier<float[]> values) { return new TensorData(dtype, shape, new LazyFloats(values)); }
    public static TensorData streamed(Dtype dtype, long[] shape, RangeFiller filler) { return new TensorData(dtype, shape, new StreamedFloats(filler)); }
    public static TensorData raw(Dtype dtype, long[] shape, MemorySegment bytes) { return new TensorData(dtype, shape, new Bytes(bytes)); }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public long numel() {
        return numel(shape);
    }

    public long byteSize() {
        return numel() * dtype.byteSize();
    }

    static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    private static void require(boolean ok, Dtype dtype, String what) {
        if (!ok) throw new IllegalArgumentException("cannot store " + what + " as " + dtype);
    }

    private static void requireLength(int length, long numel, long[] shape) {
        if (length != numel) {
            throw new IllegalArgumentException(length + " values for shape " + Arrays.toString(shape)
                    + ", expected " + numel);
        }
    }
}
