package saelab.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import saelab.eval.probe.LabelledTexts;
import saelab.eval.probe.ProbeJson;
import saelab.eval.probe.SaeLatents;
import saelab.eval.probe.SparseProbing;
import saelab.eval.saebench.SparseProbingEval;
import saelab.model.gemma2.Gemma2Model;
import saelab.model.tokenizer.GemmaTokenizer;

/** SAEBench's sparse probing of an SAE on local labelled texts. */
@Command(name = "probe", mixinStandardHelpOptions = true,
        header = "Sparse probing (SAEBench): test accuracy of k SAE latents vs k residual dimensions on labelled texts.",
        description = {
                "Sparse probing (SAEBench): how well k SAE latents, chosen by class-mean",
                "difference, predict a label, beside k raw residual dimensions.",
                "",
                "Each text of --data is tokenized with <bos> first (cut to --context tokens),",
                "run to layer L; the SAE latents and the residual are mean-pooled over its",
                "tokens, <bos> excluded. The texts are shuffled with --seed, 20%% held out.",
                "For k in 1, 2, 5, 10, 20, 50 (capped at the width): the k columns with the",
                "largest |mean(positive) - mean(rest)| on the train split, an L2 logistic",
                "regression on them (scikit-learn's C = 1), accuracy on the test split.",
                "Two labels make one task; more make one task per label against the rest",
                "(one-vs-rest), and accuracies are averaged over the tasks.",
                "",
                "Data: .jsonl, one {\"text\": ..., \"label\": ...} per line (label: string or",
                "number), at least two distinct labels.",
                "Output: a table on stdout and every number (per task too) as JSON in --out.",
                ""})
public final class ProbeCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Gemma-2 checkpoint directory (config.json, tokenizer.json, safetensors).")
    Path model;

    @Option(names = "--sae", required = true, paramLabel = "CKPT", description = "SAELens checkpoint folder (cfg.json, sae_weights.safetensors).")
    Path sae;

    @Option(names = "--data", required = true, paramLabel = "FILE.jsonl", description = "Labelled texts: one JSON object with \"text\" and \"label\" per line.")
    Path data;

    @Option(names = "--layer", paramLabel = "L", description = "Residual after this layer (default: from the SAE's hook_name).")
    Integer layer;

    @Option(names = "--seed", defaultValue = "42", description = "Train/test shuffle (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--context", defaultValue = "128", description = "Tokens per text at most, <bos> included (default: ${DEFAULT-VALUE}).")
    int context;

    @Option(names = "--batch", defaultValue = "8", description = "Texts per forward pass (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--out", paramLabel = "FILE.json", description = "Results JSON (default: runs/probe-<time>.json).")
    Path out;

    @Override
    public Integer call() {
        return ProbeSupport.reportingErrors("probe", this::probe);
    }

    private int probe() {
        ProbeSupport.requireInputs(model, sae, data);
        int l = ProbeSupport.layer(layer, sae);
        LabelledTexts texts = LabelledTexts.read(data);
        SaeLatents latents = SaeLatents.read(sae);
        GemmaTokenizer tokenizer = GemmaTokenizer.load(model);
        SparseProbing.Settings s = new SparseProbing.Settings(l, seed, 0.2, context, batch, 1.0);
        System.err.printf("probe: %d texts, labels %s; SAE %s (%s); layer %d%n", texts.texts().size(), texts.classes(), sae, latents.description(), l);
        SparseProbing.Result r;
        try (Gemma2Model gemma = Gemma2Model.load(model)) {
            ProgressLine progress = new ProgressLine("probe: model passes", texts.texts().size(), "texts", 1, System.err);
            r = SparseProbing.run(gemma, tokenizer, latents, texts, s, progress::update);
        }
        Path file = out != null ? out : ProbeSupport.defaultOut("probe");
        ProbeJson.write(file, r);
        System.out.printf(Locale.ROOT, "sparse probing: %d train / %d test texts, %d tokens pooled, %d task(s), seed %d%n",
                r.train(), r.test(), r.tokens(), r.tasks().size(), r.seed());
        System.out.printf("%6s  %12s  %16s%n", "k", "SAE latents", "residual dims");
        for (int q = 0; q < r.ks().length; q++) {
            System.out.printf(Locale.ROOT, "%6d  %12.3f  %16.3f%n", r.ks()[q], r.saeAccuracy()[q], r.residualAccuracy()[q]);
        }
        System.out.println("wrote " + file);
        System.out.println("wrote " + SparseProbingEval.write(ProbeSupport.saeBenchRoot(file), ProbeSupport.identity(sae), model.toString(),
                data.getFileName().toString(), r, s) + " (SAEBench format)");
        return 0;
    }
}
