package saelab.eval.probe;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import saelab.model.tokenizer.GemmaTokenizer;

/**
 * The word list of the first-letter absorption eval, and which of its words the tokenizer
 * encodes as one token. Default resolution ({@link #resolve}): the file given, else
 * {@code /usr/share/dict/words} (Debian's {@code wamerican}, not installed on a fresh machine),
 * else the npm package {@value #NPM_PACKAGE} as {@code scripts/fetch-word-list.sh} caches it
 * ({@link #fetchedFile()}), else an error that says how to get one.
 */
public final class WordList {
    private WordList() {}

    public static final String NPM_PACKAGE = "word-list@4.1.0";
    public static final Path SYSTEM_DICT = Path.of("/usr/share/dict/words");

    /** Where scripts/fetch-word-list.sh puts words.txt: $SAELAB_WORD_LIST_DIR, else $XDG_CACHE_HOME/saelab/word-list, else ~/.cache/saelab/word-list. */
    public static Path fetchedFile() {
        String explicit = System.getenv("SAELAB_WORD_LIST_DIR");
        if (explicit != null && !explicit.isBlank()) return Path.of(explicit, "words.txt");
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path cache = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return cache.resolve("saelab").resolve("word-list").resolve("words.txt");
    }

    /** The file to read: {@code given} if not null (it must exist), else the first default that exists. */
    public static Path resolve(Path given) {
        if (given != null) {
            if (!Files.isRegularFile(given)) throw new IllegalArgumentException(given + ": no such word list file");
            return given;
        }
        if (Files.isRegularFile(SYSTEM_DICT)) return SYSTEM_DICT;
        Path fetched = fetchedFile();
        if (Files.isRegularFile(fetched)) return fetched;
        throw new IllegalArgumentException("no word list: give --words FILE (one word per line), or run scripts/fetch-word-list.sh"
                + " (fetches " + NPM_PACKAGE + " from the npm registry into " + fetched.getParent() + "), or install Debian's"
                + " wamerican (" + SYSTEM_DICT + ")");
    }

    /** Non-blank lines, trimmed. */
    public static List<String> read(Path file) {
        List<String> words = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String w = line.strip();
                if (!w.isEmpty()) words.add(w);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read: " + saelab.model.IoErrors.reason(e), e);
        }
        if (words.isEmpty()) throw new IllegalArgumentException(file + ": the word list is empty");
        return words;
    }

    /**
     * The words usable for first-letter probing, in list order.
     *
     * @param words          words made only of ASCII letters that " " + word encodes to one token "▁" + word
     * @param tokenIds       that token's id, per word
     * @param read           words in the list
     * @param notAlphabetic  words with a character other than A–Z, a–z (SAEBench keeps alphabetic tokens only)
     * @param notSingleToken alphabetic words that take more than one token
     * @param duplicates     words whose token an earlier word already gave
     */
    public record Selection(List<String> words, int[] tokenIds, int read, int notAlphabetic, int notSingleToken, int duplicates) {}

    public static Selection singleTokenWords(List<String> list, GemmaTokenizer tokenizer) {
        List<String> words = new ArrayList<>();
        List<Integer> ids = new ArrayList<>();
        Set<Integer> seen = new HashSet<>();
        int notAlpha = 0, multi = 0, dup = 0;
        for (String w : list) {
            if (!w.chars().allMatch(c -> (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) { notAlpha++; continue; }
            int[] t = tokenizer.encode(" " + w, false);
            if (t.length != 1 || !tokenizer.token(t[0]).equals("▁" + w)) { multi++; continue; }
            if (!seen.add(t[0])) { dup++; continue; }
            words.add(w);
            ids.add(t[0]);
        }
        return new Selection(List.copyOf(words), ids.stream().mapToInt(Integer::intValue).toArray(), list.size(), notAlpha, multi, dup);
    }
}
