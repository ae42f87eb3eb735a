package saelab.cli;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import saelab.model.GemmaConfig;
import saelab.model.gemma2.CheckpointException;
import saelab.model.gemma2.Gemma2Model;
import saelab.model.gemma2.KvCache;
import saelab.model.safetensors.SafetensorsException;
import saelab.model.tokenizer.GemmaTokenizer;
import saelab.model.tokenizer.TokenizerException;

/** Greedy continuation of a prompt: the quickest check that a downloaded checkpoint loads and runs right. */
@Command(name = "complete", mixinStandardHelpOptions = true,
        description = "Greedy continuation of a prompt with a Gemma-2 checkpoint (KV cache), then tokens/s on stderr.")
public final class CompleteCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Checkpoint directory (config.json, tokenizer.json, safetensors).")
    Path model;

    @Option(names = "--max-tokens", defaultValue = "32", description = "Tokens to generate at most (default: ${DEFAULT-VALUE}); stops early at <eos>.")
    int maxTokens;

    @Parameters(index = "0", description = "The prompt.")
    String prompt;

    @Override
    public Integer call() {
        if (maxTokens < 1) {
            System.err.println("complete: --max-tokens must be >= 1, got " + maxTokens);
            return 2;
        }
        try {
            return complete();
        } catch (CheckpointException | SafetensorsException | TokenizerException | GemmaConfig.ConfigException | UncheckedIOException e) {
            System.err.println("complete: " + e.getMessage());
            return 1;
        }
    }

    private int complete() {
        long t0 = System.nanoTime();
        GemmaTokenizer tokenizer = GemmaTokenizer.load(model);
        try (Gemma2Model gemma = Gemma2Model.load(model)) {
            int vocab = gemma.config().vocabSize();
            int[] promptIds = tokenizer.encode(prompt);
            System.err.printf("complete: loaded %s in %.1f s; prompt: %d tokens%n", model, (System.nanoTime() - t0) / 1e9, promptIds.length);
            var c = gemma.config();
            long cacheBytes = 2L * 4 * c.numHiddenLayers() * c.numKeyValueHeads() * c.headDim() * (promptIds.length + maxTokens);
            String tooLarge = HeapCheck.tooLarge("the KV cache for " + promptIds.length + " + " + maxTokens + " positions", cacheBytes);
            if (tooLarge != null) {
                System.err.println("complete: " + tooLarge);
                return 2;
            }
            KvCache cache = gemma.newCache(1, promptIds.length + maxTokens);

            long t1 = System.nanoTime();
            float[] logits = gemma.extend(cache, promptIds);
            double prefillSeconds = (System.nanoTime() - t1) / 1e9;

            int[] generated = new int[maxTokens];
            int n = 0;
            String shown = "";
            System.out.print(prompt);
            long t2 = System.nanoTime();
            while (n < maxTokens) {
                int next = argmax(logits, vocab);
                generated[n++] = next;
                if (gemma.config().eosTokenIds().contains(next)) break;
                // Decode the whole continuation each time: a character may span several byte tokens,
                // so hold back a trailing U+FFFD (an incomplete UTF-8 sequence) until it completes.
                String text = holdBackIncomplete(tokenizer.decode(Arrays.copyOf(generated, n), true));
                if (text.startsWith(shown)) {
                    System.out.print(text.substring(shown.length()));
                    System.out.flush();
                    shown = text;
                }
                if (n < maxTokens) logits = gemma.extend(cache, new int[] {next});
            }
            double decodeSeconds = (System.nanoTime() - t2) / 1e9;
            String all = tokenizer.decode(Arrays.copyOf(generated, n), true);
            System.out.println(all.startsWith(shown) ? all.substring(shown.length()) : "");
            System.err.printf("complete: prefill %d tokens in %.2f s (%.1f tokens/s); generated %d tokens in %.2f s (%.2f tokens/s)%n",
                    promptIds.length, prefillSeconds, promptIds.length / prefillSeconds, n, decodeSeconds, n / decodeSeconds);
        }
        return 0;
    }

    static String holdBackIncomplete(String text) {
        int end = text.length();
        while (end > 0 && text.charAt(end - 1) == '\uFFFD') end--;
        return text.substring(0, end);
    }

    /** The first index of the largest logit (greedy decoding, ties to the lower id as torch.argmax). */
    static int argmax(float[] logits, int vocab) {
        int best = 0;
        for (int v = 1; v < vocab; v++) if (logits[v] > logits[best]) best = v;
        return best;
    }
}
