package saelab.tornado;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The backend the tests run on, opened once per JVM with every shape offloaded (minVolume 0).
 * Where TornadoVM is absent (no -Ptornado flags, no device) each test reports itself skipped
 * with the reason instead of failing.
 */
final class TornadoUnderTest {
    private TornadoUnderTest() {}

    private static final TornadoBackend BACKEND;
    private static final String WHY_NOT;

    static {
        TornadoBackend b = null;
        String why = null;
        try {
            b = TornadoBackend.open(0);
        } catch (Exception | LinkageError e) {
            why = e.getMessage() != null ? e.getMessage() : e.toString();
        }
        BACKEND = b;
        WHY_NOT = why;
        if (b != null) System.out.println("tornado tests run on: " + b.device());
    }

    static TornadoBackend backend() {
        assumeTrue(BACKEND != null, () -> "TornadoVM is not available, so the tornado backend is not tested: " + WHY_NOT);
        return BACKEND;
    }
}
