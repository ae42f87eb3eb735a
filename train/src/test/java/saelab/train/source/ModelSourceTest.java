package saelab.train.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import saelab.model.GemmaConfig;
import saelab.model.gemma2.Gemma2Model;
import saelab.model.gemma2.Hooks;
import saelab.model.harvest.HarvestException;
import saelab.model.harvest.SequencePacker;
import saelab.model.safetensors.Dtype;
import saelab.model.synthetic.RandomGemma2Checkpoint;
import saelab.model.synthetic.SyntheticTokenizer;
import saelab.model.tokenizer.GemmaTokenizer;

class ModelSourceTest {
    static final int LAYER = 2, CONTEXT = 16, HIDDEN = 64;

    /**
     * Two runs of the same forward pass agree to a few float ulps, not always bit for bit (the
     * Vector API's exp and tanh round differently before and after C2 compiles them; see the
     * model tests' TestCheckpoints), so "equal to the hook's output" is checked per row to 1e-6
     * relative, far below the distance between any two different rows (asserted below).
     */
    static final double SAME_COMPUTATION = 1e-6;

    @TempDir static Path shared;
    static Path model, data;
    static int[][] sequences; // the data's packed sequences, computed here from the tokenizer and the packer
    static float[] hook;      // the residual after LAYER of every sequence: a full pass with a capture hook

    static final String[] WORDS = {"the", "sparse", "autoencoder", "finds", "features", "in", "a", "model's", "residual",
            "stream", "of", "gemma", "tokens", "and", "layers", "café", "42", "reads", "writes"};

    @BeforeAll
    static void fixtures() throws Exception {
        model = Files.createDirectory(shared.resolve("model"));
        GemmaConfig config = GemmaConfig.tiny(); // 4 layers, hidden 64
        RandomGemma2Checkpoint.write(model, RandomGemma2Checkpoint.Spec.of(config, Dtype.F32, 3).withStd(0.3, 0.3), b -> { });
        SyntheticTokenizer.write(model, config.vocabSize(), 3);
        SplittableRandom r = new SplittableRandom(7);
        List<String> docs = new ArrayList<>();
        for (int d = 0; d < 8; d++) {
            StringBuilder sb = new StringBuilder();
            int words = 1 + r.nextInt(30);
            for (int w = 0; w < words; w++) sb.append(w == 0 ? "" : " ").append(WORDS[r.nextInt(WORDS.length)]);
            docs.add(sb.toString());
        }
        data = Files.writeString(shared.resolve("docs.txt"), String.join("\n", docs) + "\n");

        GemmaTokenizer tok = GemmaTokenizer.load(model);
        List<int[]> encoded = new ArrayList<>();
        for (String d : docs) encoded.add(tok.encode(d)); // the template puts <bos> first
        SequencePacker packer = new SequencePacker(encoded.iterator(), CONTEXT, config.bosTokenId());
        List<int[]> seqs = new ArrayList<>();
        for (int[] s; (s = packer.next()) != null; ) seqs.add(s);
        sequences = seqs.toArray(int[][]::new);
        try (Gemma2Model m = Gemma2Model.load(model)) {
            hook = m.forward(sequences, Hooks.none().capture(LAYER)).residual(LAYER); // no stop: the stop must not change the value
        }
        assertTrue(sequences.length >= 8, "the fixture packs into several windows: " + sequences.length + " sequences");
    }

    /** Windows of 40 rows hold 2 whole sequences: 30 rows of 15 kept positions (32 with position 0 kept). */
    static ModelSource source(long seed, boolean skipPositionZero) {
        return new ModelSource(model, data, ModelSource.Options.of(LAYER, CONTEXT).withWindowRows(40).withBatchSequences(3)
                .withSeed(seed).withSkipPositionZero(skipPositionZero));
    }

    /** max |a − b| over one row, relative to the row's norm in the reference. */
    static double rowError(float[] x, int row, float[] ref, long refRow) {
        double diff = 0, norm = 0;
        for (int j = 0; j < HIDDEN; j++) {
            double a = x[row * HIDDEN + j], b = ref[(int) refRow * HIDDEN + j];
            diff = Math.max(diff, Math.abs(a - b));
            norm += b * b;
        }
        return diff / Math.sqrt(norm);
    }

    /** Serves two epochs and a bit in batches of 7; checks every row against the hook and each epoch's coverage. */
    void servesTheHookOutput(boolean skipPositionZero) {
        int first = skipPositionZero ? 1 : 0, keep = CONTEXT - first;
        long perEpoch = (long) sequences.length * keep;
        try (ModelSource src = source(5, skipPositionZero)) {
            assertEquals(-1, src.rowsPerEpoch(), "unknown before the data ran out");
            int batch = 7;
            long batches = (2 * perEpoch + 30) / batch;
            List<Set<Long>> seen = List.of(new HashSet<>(), new HashSet<>(), new HashSet<>());
            float[] x = new float[batch * HIDDEN];
            for (long b = 0; b < batches; b++) {
                src.nextBatch(x, batch);
                for (int r = 0; r < batch; r++) {
                    long streamRow = b * batch + r;
                    ModelSource.Origin o = src.origin(streamRow);
                    assertEquals(streamRow / perEpoch, o.epoch(), "epoch of stream row " + streamRow);
                    assertTrue(o.position() >= first && o.position() < CONTEXT, "position " + o.position());
                    assertEquals(sequences[(int) o.sequence()][o.position()], o.tokenId(), "token of " + o);
                    long refRow = o.sequence() * CONTEXT + o.position();
                    double e = rowError(x, r, hook, refRow);
                    assertTrue(e <= SAME_COMPUTATION, "stream row " + streamRow + " (" + o + ") vs the hook: " + e);
                    // The check can tell rows apart: the next row of the hook output is far from this one.
                    long other = refRow + (o.position() + 1 < CONTEXT ? 1 : -1);
                    assertTrue(rowError(x, r, hook, other) > 1e-2, "rows " + refRow + " and " + other + " differ");
                    assertTrue(seen.get((int) o.epoch()).add(refRow), "row " + refRow + " served twice in epoch " + o.epoch());
                }
            }
            assertEquals(perEpoch, src.rowsPerEpoch(), "every sequence × kept position, once the data ran out");
            for (int e = 0; e < 2; e++) assertEquals(perEpoch, seen.get(e).size(), "epoch " + e + " serves every row once");
            assertTrue(seen.get(2).size() > 0);
        }
    }

    @Test
    void rowsAreTheHookOutputOfTheirTokensAndEachEpochServesEveryRowOnce() {
        servesTheHookOutput(true);
    }

    @Test
    void withPositionZeroKeptTheBosRowsAreServedToo() {
        servesTheHookOutput(false);
    }

    @Test
    void theStreamIsAFunctionOfTheSeedAndTheIndex() {
        int rows = 9;
        long perEpoch = (long) sequences.length * (CONTEXT - 1);
        int batches = (int) (perEpoch / rows) + 6; // into the second epoch
        float[][] sequential = new float[batches][rows * HIDDEN];
        List<ModelSource.Origin> order = new ArrayList<>();
        try (ModelSource a = source(11, true)) {
            for (int b = 0; b < batches; b++) a.batchAt(b, sequential[b], rows);
            for (long r = 0; r < (long) batches * rows; r++) order.add(a.origin(r));
        }
        try (ModelSource b = source(11, true)) {
            // Out of order, the last batch first (into an epoch whose length is not yet known), then back.
            int[] indices = {batches - 1, 3, batches - 2, 0, 17, 4};
            float[] x = new float[rows * HIDDEN];
            for (int i : indices) {
                b.batchAt(i, x, rows);
                for (int r = 0; r < rows; r++) {
                    long row = (long) i * rows + r;
                    assertEquals(order.get((int) row), b.origin(row), "origin of stream row " + row);
                    assertTrue(rowError(x, r, sequential[i], r) <= SAME_COMPUTATION, "batch " + i + " row " + r + " recomputed");
                }
            }
            // nextBatch goes on after the last batchAt.
            b.nextBatch(x, rows);
            for (int r = 0; r < rows; r++) assertTrue(rowError(x, r, sequential[5], r) <= SAME_COMPUTATION, "batch 5 row " + r);
        }
        try (ModelSource c = source(12, true)) {
            List<ModelSource.Origin> other = new ArrayList<>();
            for (long r = 0; r < 60; r++) other.add(c.origin(r));
            assertNotEquals(order.subList(0, 60), other, "another seed, another order");
            Set<ModelSource.Origin> sameRows = new HashSet<>(order.subList(0, 30));
            assertEquals(sameRows, new HashSet<>(other.subList(0, 30)), "the first window (30 rows): the same rows in another order");
        }
    }

    @Test
    void epochsRepeatTheRowsInANewOrder() {
        try (ModelSource src = source(2, true)) {
            long perEpoch = (long) sequences.length * (CONTEXT - 1);
            src.origin(perEpoch + 3); // finds the end of the data on the way
            assertEquals(perEpoch, src.rowsPerEpoch());
            List<Long> epoch0 = new ArrayList<>(), epoch1 = new ArrayList<>();
            for (long r = 0; r < perEpoch; r++) {
                ModelSource.Origin a = src.origin(r), b = src.origin(r + perEpoch);
                assertEquals(0, a.epoch());
                assertEquals(1, b.epoch());
                assertEquals(r / 30, a.sequence() / 2, "row " + r + " is in window r / 30 (2 sequences of 15 rows)");
                assertEquals(a.sequence() / 2, b.sequence() / 2, "the same window of the data in each epoch");
                epoch0.add(a.sequence() * CONTEXT + a.position());
                epoch1.add(b.sequence() * CONTEXT + b.position());
            }
            assertNotEquals(epoch0, epoch1, "a new permutation each epoch");
            assertEquals(new HashSet<>(epoch0), new HashSet<>(epoch1));
        }
    }

    @Test
    void initialisationAndEvaluationBatchesHaveTheirOwnStream() {
        int rows = 20;
        float[] init = new float[rows * HIDDEN], again = new float[rows * HIDDEN], step0 = new float[rows * HIDDEN],
                plain = new float[rows * HIDDEN], next = new float[rows * HIDDEN];
        try (ModelSource src = source(4, true); ModelSource ref = source(4, true)) {
            src.batchAt(-1, init, rows);
            src.batchAt(0, step0, rows);
            src.batchAt(-1, again, rows);
            src.nextBatch(next, rows); // batch 1: the negative index did not move the training stream
            ref.nextBatch(plain, rows);
            for (int r = 0; r < rows; r++) assertTrue(rowError(step0, r, plain, r) <= SAME_COMPUTATION, "batch 0 row " + r);
            ref.nextBatch(plain, rows);
            for (int r = 0; r < rows; r++) {
                assertTrue(rowError(again, r, init, r) <= SAME_COMPUTATION, "batch −1 row " + r + " again");
                assertTrue(rowError(next, r, plain, r) <= SAME_COMPUTATION, "batch 1 row " + r);
            }
            boolean differs = false;
            for (int i = 0; i < init.length; i++) differs |= Math.abs(init[i] - step0[i]) > 1e-3;
            assertTrue(differs, "batch −1 is another order than batch 0");
        }
    }

    @Test
    void badInputIsRefusedNamingWhatIsWrong(@TempDir Path dir) throws Exception {
        ModelSource.Options o = ModelSource.Options.of(LAYER, CONTEXT);
        String missing = assertThrows(IllegalArgumentException.class, () -> new ModelSource(model, dir.resolve("none.txt"), o)).getMessage();
        assertTrue(missing.contains("none.txt") && missing.contains("no such data file"), missing);

        Path empty = Files.writeString(dir.resolve("empty.jsonl"), "");
        String e1 = assertThrows(IllegalArgumentException.class, () -> new ModelSource(model, empty, o)).getMessage();
        assertTrue(e1.contains("empty.jsonl") && e1.contains("no complete sequence of 16 tokens"), e1);

        Path shortText = Files.writeString(dir.resolve("short.txt"), "the sparse\n\n");
        String e2 = assertThrows(IllegalArgumentException.class, () -> new ModelSource(model, shortText, o)).getMessage();
        assertTrue(e2.contains("short.txt") && e2.contains("no complete sequence"), e2);

        String layer = assertThrows(IllegalArgumentException.class,
                () -> new ModelSource(model, data, ModelSource.Options.of(ModelSource.DEFAULT_LAYER, CONTEXT))).getMessage();
        assertTrue(layer.contains("layer 12 is out of range") && layer.contains("4 layers, 0..3"), layer);

        String noModel = assertThrows(IllegalArgumentException.class, () -> new ModelSource(dir.resolve("nomodel"), data, o)).getMessage();
        assertTrue(noModel.contains("nomodel") && noModel.contains("no such model folder"), noModel);

        Path csv = Files.writeString(dir.resolve("docs.csv"), "a,b\n");
        String format = assertThrows(HarvestException.class, () -> new ModelSource(model, csv, o)).getMessage();
        assertTrue(format.contains("docs.csv") && format.contains("unknown data format"), format);

        Path badJson = Files.writeString(dir.resolve("bad.jsonl"), "{\"text\": \"the sparse autoencoder\"}\n{\"txt\": 1}\n");
        String json = assertThrows(HarvestException.class, () -> new ModelSource(model, badJson, o)).getMessage();
        assertTrue(json.contains("bad.jsonl: line 2") && json.contains("no \"text\" field"), json);

        assertThrows(IllegalArgumentException.class, () -> ModelSource.Options.of(-1, CONTEXT));
        assertThrows(IllegalArgumentException.class, () -> ModelSource.Options.of(0, 1));
    }

    @Test
    void jsonlDataServesTheSameRowsAsTheSameTextInTxt(@TempDir Path dir) throws Exception {
        StringBuilder jsonl = new StringBuilder();
        for (String line : Files.readAllLines(data)) jsonl.append("{\"id\": 1, \"text\": \"").append(line).append("\"}\n");
        Path j = Files.writeString(dir.resolve("docs.jsonl"), jsonl);
        try (ModelSource a = source(9, true);
             ModelSource b = new ModelSource(model, j, a.options())) {
            for (long r = 0; r < 100; r++) assertEquals(a.origin(r), b.origin(r), "stream row " + r);
        }
    }
}
