package saelab.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.LongStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import saelab.eval.experiment.Experiment;
import saelab.eval.experiment.ExperimentConfig;
import saelab.eval.experiment.ExperimentReport;
import saelab.eval.experiment.Variant;
import saelab.tensor.kernels.Parallel;

/**
 * {@code saelab experiment}: the main job. Trains every SAE variant over several seeds on the
 * embedded synthetic ground-truth source, evaluates each at several training phases, and writes
 * report.html, results.json and the plots into one folder.
 */
@Command(name = "experiment", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"The main job: TopK, ReLU+L1, static and adaptive orthogonal SAEs and schedule variations, each over several seeds, "
                + "on the synthetic source with known features; evaluates them (reconstruction, sparsity, ground-truth recovery, absorption, "
                + "separation of co-firing latents, per training phase) and writes report.html + results.json + PNG plots.",
                "With no arguments: 9 variants × 3 seeds, about 5–6 minutes on 2 cores."})
public final class ExperimentCommand implements Callable<Integer> {

    /** Default training length: sized so the default run stays under 10 minutes on 2 cores. */
    static final long DEFAULT_STEPS = 600;

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default runs/experiment-<timestamp>).")
    Path out;
    @Option(names = "--seeds", description = "Seeds per variant, 0 … N−1 (default ${DEFAULT-VALUE}).")
    int seeds = 3;
    @Option(names = "--steps", description = "Training steps per run (default " + DEFAULT_STEPS + "; --quick: 60).")
    Long steps;
    @Option(names = "--batch", description = "Rows per step (default ${DEFAULT-VALUE}).")
    int batch = 512;
    @Option(names = "--phases", description = "Evaluation snapshots at evenly spaced points of training (default ${DEFAULT-VALUE}).")
    int phases = 4;
    @Option(names = "--eval-rows", paramLabel = "N", description = "Rows of the held-out batch (default 8192; --quick: 2048).")
    Integer evalRows;
    @Option(names = "--variants", split = ",", paramLabel = "ID", description = "Variants to run (default: all): topk, standard, static, adaptive, "
            + "adaptive-strong, adaptive-fast, adaptive-power, adaptive-tuned, adaptive-min.")
    List<String> variants;
    @Option(names = "--m", description = "Latents (default ${DEFAULT-VALUE}).")
    int m = 1024;
    @Option(names = "--k", description = "TopK's k (default ${DEFAULT-VALUE}).")
    int k = 8;
    @Option(names = "--data-seed", description = "Seeds the synthetic data (default ${DEFAULT-VALUE}).")
    long dataSeed = 0;
    @Option(names = "--recovery-bar", description = "Cosine at which a true feature counts as recovered (default ${DEFAULT-VALUE}).")
    double bar = 0.9;
    @Option(names = "--quick", description = "A small smoke run: 60 steps, 2 seeds, 2 phases, 2048 held-out rows (flags given explicitly win).")
    boolean quick;
    @Option(names = "--model", paramLabel = "DIR", description = "gemma-2 model folder (for running on model activations; see --data).")
    Path model;
    @Option(names = "--data", paramLabel = "FILE", description = "Text to harvest activations from (with --model).")
    Path data;
    @Option(names = "--threads", description = "Kernel threads (default: all cores).")
    Integer threads;
    @Option(names = "--quiet", description = "No progress lines.")
    boolean quiet;

    Path lastReport;

    @Override public Integer call() {
        PrintStream err = System.err;
        if (model != null || data != null) {
            err.println("saelab experiment: --model/--data (the comparison on gemma-2 activations) is not built yet. The pieces exist: "
                    + "harvest activations with 'saelab harvest --model DIR --data FILE --layer 12 --out ACTS', then train each variant with "
                    + "'saelab sweep' or 'saelab train --source shards:ACTS ...'. Run 'saelab experiment' without --model/--data for the "
                    + "synthetic ground-truth comparison.");
            return 2;
        }
        try {
            ExperimentConfig cfg = config();
            if (threads != null) Parallel.setParallelism(threads);
            err.printf(Locale.ROOT, "saelab experiment: %d variants × %d seeds, %d steps × %d rows, %d phases, held-out %d rows → %s%n",
                    cfg.variants().size(), cfg.seeds().size(), cfg.steps(), cfg.batch(), cfg.phases(), cfg.evalRows(), cfg.out());
            Experiment.Result r = Experiment.run(cfg, quiet ? null : err);
            err.println("saelab experiment: writing the report...");
            lastReport = ExperimentReport.write(r, cfg.out());
            err.println();
            err.println(ExperimentReport.conclusion(r));
            err.println();
            err.printf(Locale.ROOT, "saelab experiment: done in %.0f s: %s (results.json, plots/ beside it)%n", r.seconds(), lastReport);
            return 0;
        } catch (IllegalArgumentException | IllegalStateException e) {
            err.println("saelab experiment: " + e.getMessage());
            return 2;
        } catch (IOException e) {
            err.println("saelab experiment: cannot write the report: " + e.getMessage());
            return 1;
        }
    }

    ExperimentConfig config() {
        long st = steps != null ? steps : quick ? 60 : DEFAULT_STEPS;
        int sd = quick && seeds == 3 ? 2 : seeds;
        int ph = quick && phases == 4 ? 2 : phases;
        int rows = evalRows != null ? evalRows : quick ? 2048 : 8192;
        if (sd < 1) throw new IllegalArgumentException("--seeds must be ≥ 1, got " + sd);
        Path dir = out != null ? out : Path.of("runs", "experiment-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        List<Variant> vs = variants == null || variants.isEmpty() ? Variant.defaults() : Variant.select(variants);
        return new ExperimentConfig(dir, vs, LongStream.range(0, sd).boxed().toList(), st, batch, ph, rows, m, k, dataSeed, bar);
    }
}
