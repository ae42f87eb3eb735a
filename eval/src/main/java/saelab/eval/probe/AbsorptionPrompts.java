package saelab.eval.probe;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.SplittableRandom;
import saelab.model.tokenizer.GemmaTokenizer;

/**
 * The prompts first-letter absorption reads words in: the bare template or SAEBench's prompt
 * with in-context examples, and where in each prompt the word under test sits.
 */
public final class AbsorptionPrompts {
    private AbsorptionPrompts() {}

    /**
     * The words kept (in list order, after the --max-words sample), their prompts' ids (&lt;bos&gt;
     * first) and, per prompt, the position of the word under test (the residual read there).
     */
    public record Prompts(List<String> words, List<int[]> ids, int[] positions) {}

    /**
     * The prompt of each selected word; a seeded sample of {@code maxWords} of them when that is
     * set. Without ICL examples the prompt is {@code <bos>}{@value FirstLetterAbsorption#TEMPLATE} and the word is at
     * {@link FirstLetterAbsorption#WORD_POSITION}; with them it is {@link #iclPrompt} and the word sits as many tokens
     * before the end as in the bare prompt. A word is left out when its prompt does not hold its
     * token there followed by exactly the bare prompt's tail (BPE without a pre-tokenizer could
     * merge across the word's edges).
     */
    public static Prompts prompts(GemmaTokenizer tokenizer, WordList.Selection selection, FirstLetterAbsorption.Settings s) {
        List<String> words = selection.words();
        int[] ids = selection.tokenIds();
        if (s.iclExamples() > 0 && s.iclExamples() >= words.size()) {
            throw new IllegalArgumentException(s.iclExamples() + " ICL examples need more than that many single-token words; the list has " + words.size());
        }
        int[] pick = new int[words.size()];
        for (int i = 0; i < pick.length; i++) pick[i] = i;
        if (s.maxWords() > 0 && s.maxWords() < words.size()) {
            pick = SparseProbing.split(words.size(), 1 - (double) s.maxWords() / words.size(), s.seed() ^ 0x5eedL)[0];
            Arrays.sort(pick);
        }
        List<String> kept = new ArrayList<>();
        List<int[]> prompts = new ArrayList<>();
        List<Integer> positions = new ArrayList<>();
        for (int i : pick) {
            int[] bare = tokenizer.encode(FirstLetterAbsorption.TEMPLATE.replace("{word}", words.get(i)));
            if (bare.length <= FirstLetterAbsorption.WORD_POSITION || bare[FirstLetterAbsorption.WORD_POSITION] != ids[i]) continue;
            int[] p = bare;
            int position = FirstLetterAbsorption.WORD_POSITION;
            if (s.iclExamples() > 0) {
                p = tokenizer.encode(iclPrompt(words.get(i), iclExamples(words, i, s)));
                position = p.length - (bare.length - FirstLetterAbsorption.WORD_POSITION);
                if (position < 1 || !Arrays.equals(p, position, p.length, bare, FirstLetterAbsorption.WORD_POSITION, bare.length)) continue;
            }
            prompts.add(p);
            positions.add(position);
            kept.add(words.get(i));
        }
        return new Prompts(List.copyOf(kept), List.copyOf(prompts), positions.stream().mapToInt(Integer::intValue).toArray());
    }

    /**
     * SAEBench's prompt with in-context examples (prompting.create_icl_prompt with
     * prepend_separator_to_first_example): "\n" + for each example "{FirstLetterAbsorption.TEMPLATE(example)} X\n" (X its
     * first letter, upper case) + FirstLetterAbsorption.TEMPLATE(word); the tokenizer puts {@code <bos>} before it.
     */
    public static String iclPrompt(String word, List<String> examples) {
        StringBuilder b = new StringBuilder("\n");
        for (String ex : examples) b.append(FirstLetterAbsorption.TEMPLATE.replace("{word}", ex)).append(' ').append(Character.toUpperCase(ex.charAt(0))).append('\n');
        return b.append(FirstLetterAbsorption.TEMPLATE.replace("{word}", word)).toString();
    }

    /**
     * The ICL examples of word {@code index}: {@code iclExamples} distinct other words of the list,
     * drawn with a generator seeded by (seed, index), so a word's prompt does not depend on
     * --max-words. SAEBench draws them with Python's random from the word's own split (probe data)
     * or from the whole vocabulary (absorption prompts); saelab draws from the whole list for both.
     */
    static List<String> iclExamples(List<String> words, int index, FirstLetterAbsorption.Settings s) {
        SplittableRandom r = new SplittableRandom(s.seed() * 0x9E3779B97F4A7C15L + index);
        LinkedHashSet<Integer> chosen = new LinkedHashSet<>();
        while (chosen.size() < s.iclExamples()) {
            int j = r.nextInt(words.size());
            if (j != index && !words.get(j).equals(words.get(index))) chosen.add(j);
        }
        return chosen.stream().map(words::get).toList();
    }
}
