package saelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code bench gemm|train --torch}: the options parse, a Python without torch only omits the rows
 * with a note, and the rows a torch child reports land in the table with the right ratio. No test
 * needs torch: the "interpreters" here are shell scripts that speak torch_reference.py's protocol.
 */
class BenchTorchReferenceTest {

    /** The smallest runs of each benchmark, with no numpy and no warm-up. */
    static final String[] GEMM = {"bench", "gemm", "--no-numpy", "--shapes", "16x24x40", "--reps", "1", "--warmup", "0",
            "--warmup-seconds", "0", "--threads", "1", "--torch"};
    static final String[] TRAIN = {"bench", "train", "--no-numpy", "--no-decoder", "--d", "8", "--m", "16", "--k", "2",
            "--batch", "4", "--reps", "1", "--warmup", "0", "--threads", "1", "--torch"};

    static String[] with(String[] base, String... more) {
        String[] all = Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }

    static Path script(Path dir, String name, String body) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, "#!/bin/sh\n" + body);
        assertTrue(p.toFile().setExecutable(true), "chmod +x " + p);
        return p;
    }

    @Test void torchOptionsParseAndDefaultToAutoAndTheNumpyPython() {
        CommandLine cl = Main.commandLine();
        var parsed = cl.parseArgs("bench", "train", "--python", "/opt/py", "--torch");
        BenchTrainCommand train = parsed.subcommand().subcommand().commandSpec().commandLine().getCommand();
        assertTrue(train.torchOptions.enabled);
        assertEquals(TorchReference.Device.auto, train.torchOptions.device);
        assertEquals("/opt/py", train.torchOptions.python(train.python), "the torch python defaults to --python");

        parsed = Main.commandLine().parseArgs("bench", "gemm", "--torch-device", "cuda", "--torch-python", "/venv/bin/python");
        BenchGemmCommand gemm = parsed.subcommand().subcommand().commandSpec().commandLine().getCommand();
        assertFalse(gemm.torchOptions.enabled, "--torch-device alone does not add the rows");
        assertEquals(TorchReference.Device.cuda, gemm.torchOptions.device);
        assertEquals("/venv/bin/python", gemm.torchOptions.python(gemm.python));

        var bad = assertThrows(CommandLine.ParameterException.class,
                () -> Main.commandLine().parseArgs("bench", "gemm", "--torch-device", "gpu"));
        assertTrue(bad.getMessage().contains("auto, cpu, cuda"), bad.getMessage());
    }

    @Test void aPythonThatCannotBeStartedOmitsTheTorchRowsWithANote(@TempDir Path dir) {
        String missing = dir.resolve("no-such-python").toString();
        for (String[] args : List.of(GEMM, TRAIN)) {
            CliFixtures.Run run = CliFixtures.saelab(with(args, "--torch-python", missing));
            assertEquals(0, run.exitCode(), run.toString());
            assertTrue(run.out().contains("note: torch rows omitted: '" + missing + "' could not be started"), run.toString());
            assertFalse(run.out().contains("vs torch"), "no torch column: " + run.out());
        }
    }

    @Test void aPythonWithoutTorchOmitsTheRowsWithItsReason(@TempDir Path dir) throws Exception {
        // What torch_reference.py prints when `import torch` fails, and a child that dies with a traceback instead.
        Path noTorch = script(dir, "no-torch", "echo \"unavailable cannot import torch (ModuleNotFoundError: No module named 'torch')\"\n");
        Path crash = script(dir, "crash", "echo 'Traceback (most recent call last):'; echo 'SomeError: broken install'; exit 1\n");
        for (String[] args : List.of(GEMM, TRAIN)) {
            CliFixtures.Run run = CliFixtures.saelab(with(args, "--torch-python", noTorch.toString()));
            assertEquals(0, run.exitCode(), run.toString());
            assertTrue(run.out().contains("note: torch rows omitted: '" + noTorch + "' cannot import torch (ModuleNotFoundError: No module named 'torch')"),
                    run.toString());
            run = CliFixtures.saelab(with(args, "--torch-python", crash.toString()));
            assertEquals(0, run.exitCode(), run.toString());
            assertTrue(run.out().contains("note: torch rows omitted: torch exited: Traceback (most recent call last): | SomeError: broken install"),
                    run.toString());
        }
    }

    /** A child that says it is torch on a GPU and answers every request with 0.5 s (and a loss of 1.25). */
    static final String FAKE_TORCH = """
            echo "ready 9.9.9 cuda Fake GPU 80GB"
            while read line; do
              [ "$line" = quit ] && exit 0
              echo "0.5 1.25"
            done
            """;

    @Test void gemmReportsTorchsTimeAndTheRatioTorchOverSaelab(@TempDir Path dir) throws Exception {
        Path fake = script(dir, "fake-torch", FAKE_TORCH);
        CliFixtures.Run run = CliFixtures.saelab(with(GEMM, "--torch-python", fake.toString(), "--torch-device", "cuda"));
        assertEquals(0, run.exitCode(), run.toString());
        assertTrue(run.out().contains("starting torch ... torch 9.9.9 on cuda (Fake GPU 80GB), TF32 off"), run.out());
        assertTrue(run.out().contains("real fp32 cuBLAS SGEMM"), "the TF32 note: " + run.out());
        String row = line(run.out(), "f32    16x24x40");
        String[] f = row.trim().split("\\s+");
        // kind, dims, ms, GFLOP/s, torch ms, torch GF/s, vs torch
        assertEquals(7, f.length, row);
        assertEquals("500.00", f[4], row);
        assertRatio(500.0, f[6], Double.parseDouble(f[2]), 0.005, row);
    }

    @Test void trainAddsTheTorchRowAndItsRatioColumn(@TempDir Path dir) throws Exception {
        Path fake = script(dir, "fake-torch", FAKE_TORCH);
        CliFixtures.Run run = CliFixtures.saelab(with(TRAIN, "--torch-python", fake.toString()));
        assertEquals(0, run.exitCode(), run.toString());
        String torchRow = line(run.out(), "torch topk (cuda)");
        assertTrue(torchRow.contains("500.0") && torchRow.trim().endsWith("1.00x (ref)"), torchRow);
        String saelabRow = line(run.out(), "saelab topk   ");
        String[] f = saelabRow.trim().split("\\s+");
        // saelab topk, ms/step, steps/s, tokens/s, vs numpy ("-"), vs torch
        double ms = Double.parseDouble(f[2]);
        assertEquals("-", f[5], saelabRow);
        assertRatio(500.0, f[6], ms, 0.05, saelabRow);
        assertTrue(run.out().contains("torch reference: torch 9.9.9 on cuda (Fake GPU 80GB), TF32 off"), run.out());
    }

    /**
     * The printed ratio (two decimals) against torch ms / saelab ms, where saelab's ms is itself
     * printed rounded to ±{@code msRounding}: the true ms lies in [ms − r, ms + r], so the ratio in
     * [torch/(ms + r), torch/(ms − r)], widened by the ratio's own rounding 0.005. (A first-order
     * bound, torch·r/ms², failed once a step took 0.65 ms and printed as 0.7.)
     */
    static void assertRatio(double torchMs, String printed, double ms, double msRounding, String row) {
        assertTrue(printed.endsWith("x"), row);
        double ratio = Double.parseDouble(printed.substring(0, printed.length() - 1));
        double low = torchMs / (ms + msRounding) - 0.005 - 1e-9;
        double high = ms > msRounding ? torchMs / (ms - msRounding) + 0.005 + 1e-9 : Double.POSITIVE_INFINITY;
        assertTrue(ratio >= low && ratio <= high, "ratio " + ratio + " outside [" + low + ", " + high + "]: " + row);
    }

    static String line(String out, String start) {
        return out.lines().filter(l -> l.startsWith(start)).findFirst()
                .orElseThrow(() -> new AssertionError("no line starting '" + start + "' in:\n" + out));
    }
}
