package saelab.model.safetensors;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import saelab.tensor.kernels.Bf16;

/**
 * One tensor of a safetensors file, in place: {@code data} is a slice of the mapped file, valid
 * while the file it came from is open. Elements are little-endian, row-major, and may be
 * unaligned (nothing in the format promises alignment), so every read here is unaligned.
 */
public final class TensorView {
    static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt I32_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong I64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    // Java arrays hold at most a little under 2^31 elements.
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    private final String name;
    private final Dtype dtype;
    private final long[] shape;
    private final MemorySegment data;
    private final Path file;

    TensorView(String name, Dtype dtype, long[] shape, MemorySegment data, Path file) {
        this.name = name;
        this.dtype = dtype;
        this.shape = shape.clone();
        this.data = data;
        this.file = file;
    }

    public String name() { return name; }
    public Dtype dtype() { return dtype; }
    public long[] shape() { return shape.clone(); }
    public int rank() { return shape.length; }
    public long dim(int i) { return shape[i]; }
    /** The file this tensor lives in (a shard, for sharded checkpoints). */
    public Path file() { return file; }
    /** The tensor's bytes, in place in the mapped file. */
    public MemorySegment data() { return data; }

    public long numel() {
        return data.byteSize() / dtype.byteSize();
    }

    /** All elements as float32: F32 copied, BF16 widened exactly, F16 widened exactly. */
    public float[] toFloatArray() {
        int n = arrayLength();
        float[] out = new float[n];
        switch (dtype) {
            case F32 -> MemorySegment.copy(data, F32_LE, 0, out, 0, n);
            case BF16 -> Bf16.toFloat(data, 0, out, 0, n);
            case F16 -> {
                for (int i = 0; i < n; i++) out[i] = Float.float16ToFloat(data.get(I16_LE, 2L * i));
            }
            default -> throw wrongType("a floating-point dtype (F32, F16, BF16)");
        }
        return out;
    }

    public int[] toIntArray() {
        if (dtype != Dtype.I32) throw wrongType("I32");
        int n = arrayLength();
        int[] out = new int[n];
        MemorySegment.copy(data, I32_LE, 0, out, 0, n);
        return out;
    }

    /** I64 as is, I32 widened. */
    public long[] toLongArray() {
        int n = arrayLength();
        long[] out = new long[n];
        switch (dtype) {
            case I64 -> MemorySegment.copy(data, I64_LE, 0, out, 0, n);
            case I32 -> {
                for (int i = 0; i < n; i++) out[i] = data.get(I32_LE, 4L * i);
            }
            default -> throw wrongType("an integer dtype (I32, I64)");
        }
        return out;
    }

    private int arrayLength() {
        long n = numel();
        if (n > MAX_ARRAY) {
            throw SafetensorsException.inTensor(file, name, n + " elements do not fit in one Java array"
                    + " (at most " + MAX_ARRAY + "); read it through data() instead");
        }
        return (int) n;
    }

    private SafetensorsException wrongType(String expected) {
        return SafetensorsException.inTensor(file, name, "dtype is " + dtype + ", expected " + expected);
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape) + " in " + file;
    }
}
