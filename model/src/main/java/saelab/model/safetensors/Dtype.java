package saelab.model.safetensors;

import java.util.Arrays;
import java.util.Optional;

/**
 * The element types saelab reads and writes, named as in safetensors headers. Each is stored
 * little-endian. BF16 is the top half of a float32; F16 is IEEE binary16.
 */
public enum Dtype {
    F32(4),
    F16(2),
    BF16(2),
    I32(4),
    I64(8);

    private final int byteSize;

    Dtype(int byteSize) {
        this.byteSize = byteSize;
    }

    public int byteSize() {
        return byteSize;
    }

    public boolean isFloatingPoint() {
        return this == F32 || this == F16 || this == BF16;
    }

    /** The dtype a header spells as {@code name}, if saelab knows it. */
    public static Optional<Dtype> fromHeaderName(String name) {
        return Arrays.stream(values()).filter(d -> d.name().equals(name)).findFirst();
    }

    /** "F32, F16, BF16, I32, I64", for error messages. */
    public static String knownNames() {
        return String.join(", ", Arrays.stream(values()).map(Enum::name).toList());
    }
}
