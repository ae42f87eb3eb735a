package saelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The benchmarks' Python references run OpenBLAS's own choice of kernels on saelab's thread count:
 * variables that pin the kernels (OPENBLAS_CORETYPE=Haswell halves a current numpy's GEMM on an
 * AVX-512 machine) are not passed on, and the BLAS and its kernels are named beside the figures.
 */
class BenchReferenceEnvironmentTest {

    @Test void kernelOverridesAreDroppedAndThreadsSet() {
        Map<String, String> env = new HashMap<>(Map.of("OPENBLAS_CORETYPE", "Haswell", "OPENBLAS_L2_SIZE", "512",
                "OMP_NUM_THREADS", "16", "HOME", "/root"));
        BenchGemmCommand.referenceEnvironment(env, 3);
        assertFalse(env.containsKey("OPENBLAS_CORETYPE"), env.toString());
        assertFalse(env.containsKey("OPENBLAS_L2_SIZE"), env.toString());
        for (String v : new String[] {"OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"}) assertEquals("3", env.get(v), v);
        assertEquals("/root", env.get("HOME"), "other variables stay");
    }

    @Test void theChildProcessDoesNotSeeTheOverrides() {
        var env = BenchGemmCommand.pythonProcess("python3", 2, "pass").environment();
        for (String v : BenchGemmCommand.BLAS_OVERRIDES) assertFalse(env.containsKey(v), v + " reached the child (parent has " + System.getenv(v) + ")");
        assertEquals("2", env.get("OPENBLAS_NUM_THREADS"));
    }

    @Test void numpysBlasAndKernelsAreNamed() {
        BenchGemmCommand.NumpyProbe probe = BenchGemmCommand.probeNumpy("python3", 1);
        assumeTrue(probe.whyNot() == null, "python3 with numpy is not installed here");
        String d = probe.description();
        System.out.println("numpy here: " + d + BenchGemmCommand.droppedBlasOverrides());
        assertTrue(d != null && d.matches("\\d+\\.\\d+\\S*, .+, core \\S+"), "version, BLAS and core: " + d);
        if (d.contains("openblas")) assertFalse(d.endsWith("core unknown"), "OpenBLAS names its kernels: " + d);
    }
}
