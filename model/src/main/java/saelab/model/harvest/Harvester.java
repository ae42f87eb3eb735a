package saelab.model.harvest;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import saelab.model.GemmaConfig;
import saelab.model.RunLock;
import saelab.model.gemma2.ForwardResult;
import saelab.model.gemma2.Gemma2Model;
import saelab.model.gemma2.Hooks;
import saelab.model.safetensors.SafetensorsException;
import saelab.model.safetensors.SafetensorsFile;
import saelab.model.safetensors.TensorView;
import saelab.model.tokenizer.GemmaTokenizer;

/**
 * Harvests the residual stream after one layer of a Gemma-2 checkpoint into safetensors shards
 * (see {@link HarvestManifest} for the layout), resumably: the manifest is rewritten after every
 * shard, and a run with the same settings keeps the shards it lists, skips the tokens they cover
 * and goes on. A last shard shorter than {@code shardTokens} (the previous run's target ended
 * inside it) is harvested again when more tokens are asked for, so any sequence of runs ends
 * with the same shards as one uninterrupted run to the same target.
 */
public final class Harvester {
    /** Told how the harvest goes; the command line shows it. Exceptions thrown here abort the run (tests use this). */
    public interface Listener {
        /** Before the first batch: the shards kept from an earlier run and the rows still to harvest. */
        default void starting(HarvestManifest kept, long rowsToHarvest) {}

        /** After each forward pass: rows harvested by this run so far (in finished shards or the one filling). */
        default void harvested(long rowsThisRun) {}

        /** Each forward pass's result as the model returned it (tests check that it stopped at the hooked layer). */
        default void forwardPass(ForwardResult pass) {}

        /** After a shard file and then the manifest listing it were written. */
        default void shardWritten(HarvestManifest.Shard shard, HarvestManifest manifest) {}
    }

    private Harvester() {}

    /** Runs (or resumes, or finds finished) the harvest; returns the final manifest. */
    public static HarvestManifest run(HarvestSettings s, Listener listener) {
        Documents.Format.of(s.data()); // a data file of unknown format is refused before anything is written
        GemmaConfig config = GemmaConfig.read(s.model());
        if (s.layer() >= config.numHiddenLayers()) {
            throw new HarvestException("--layer " + s.layer() + ": " + s.model() + " has layers 0.." + (config.numHiddenLayers() - 1));
        }
        // Positions past the model's table have no rotary/attention meaning it was trained for, and a huge context would only run until killed.
        if (s.context() > config.maxPositionEmbeddings()) {
            throw new HarvestException("--context " + s.context() + ": " + s.model() + " takes at most " + config.maxPositionEmbeddings()
                    + " positions (max_position_embeddings in " + GemmaConfig.FILE_NAME + ")");
        }
        HarvestManifest wanted = new HarvestManifest(s.model().toString(),
                FileFingerprint.of(s.model().resolve(GemmaConfig.FILE_NAME)).sha256(),
                FileFingerprint.of(s.model().resolve(GemmaTokenizer.FILE_NAME)).sha256(),
                s.layer(), config.hiddenSize(), s.context(), s.dtype(), s.shardTokens(), config.bosTokenId(),
                s.data().toString(), FileFingerprint.of(s.data()), s.tokens(), false, List.of());
        // One writer per harvest folder: a second process (another layer, say) fails at once naming
        // the first one's pid instead of both reporting success and one silently winning.
        RunLock held;
        try {
            held = RunLock.acquire(s.out());
        } catch (IllegalStateException other) {
            throw new HarvestException(other.getMessage(), other);
        }
        try (RunLock lock = held) {
            HarvestManifest kept = keptShards(s, wanted);
            if (kept.dataExhausted() || kept.tokens() >= s.tokens()) {
                listener.starting(kept, 0);
                return kept;
            }
            kept.write(s.out());
            listener.starting(kept, s.tokens() - kept.tokens());
            return harvest(s, kept, listener);
        }
    }

    /**
     * The manifest to continue from: {@code wanted} with the shards an earlier run finished (none for
     * a new folder), minus a short last shard, and with this run's token target.
     */
    private static HarvestManifest keptShards(HarvestSettings s, HarvestManifest wanted) {
        Path out = s.out(), manifestFile = out.resolve(HarvestManifest.FILE_NAME);
        if (!Files.exists(manifestFile)) {
            requireEmptyOrAbsent(out);
            return wanted;
        }
        HarvestManifest previous = HarvestManifest.read(out);
        if (previous.shards().isEmpty()) {
            // Nothing was finished (say the data had a bad line): nothing to keep, so any settings may start afresh.
            deleteStaleTemporaries(out);
            return wanted;
        }
        List<String> differences = previous.settingsDifferences(wanted);
        if (!differences.isEmpty()) {
            throw new HarvestException(manifestFile + ": this folder holds a harvest with other settings, so it cannot be resumed:\n  "
                    + String.join("\n  ", differences)
                    + "\nRun with the same --model, --data, --layer, --context, --shard-tokens and --dtype to resume, or choose another --out.");
        }
        deleteStaleTemporaries(out);
        for (HarvestManifest.Shard shard : previous.shards()) checkShard(out, shard, previous);
        boolean wantsMore = !previous.dataExhausted() && previous.tokens() < s.tokens();
        if (!wantsMore) return previous; // finished already: leave the manifest as it is
        List<HarvestManifest.Shard> shards = new ArrayList<>(previous.shards());
        if (!shards.isEmpty() && shards.getLast().rows() < s.shardTokens()) shards.removeLast();
        return previous.withShards(shards, s.tokens(), false);
    }

    private static void requireEmptyOrAbsent(Path out) {
        if (!Files.exists(out)) return;
        if (!Files.isDirectory(out)) throw new HarvestException(out + ": --out exists and is not a directory");
        // The lock file this harvest holds is not someone else's content.
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(out, p -> !p.getFileName().toString().equals(RunLock.FILE))) {
            if (entries.iterator().hasNext()) {
                throw new HarvestException(out + ": --out is not empty and holds no " + HarvestManifest.FILE_NAME
                        + "; harvest into a new or empty folder (or one an earlier harvest wrote, to resume it)");
            }
        } catch (IOException e) {
            throw new HarvestException(out + ": cannot list: " + saelab.model.IoErrors.reason(e), e);
        }
    }

    /** Temporary files a killed run left behind (the atomic writer names them ".NAME.*.tmp"). */
    private static void deleteStaleTemporaries(Path out) {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(out, ".{shard-,manifest.json}*.tmp")) {
            for (Path p : entries) Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new HarvestException(out + ": cannot remove temporary files of an interrupted run: " + saelab.model.IoErrors.reason(e), e);
        }
    }

    /** A shard the manifest lists must be there with the rows it says: a resumed harvest builds on it. */
    private static void checkShard(Path out, HarvestManifest.Shard shard, HarvestManifest m) {
        Path file = out.resolve(shard.file());
        if (!Files.exists(file)) {
            throw new HarvestException(file + ": listed in " + out.resolve(HarvestManifest.FILE_NAME)
                    + " but missing; restore it, or harvest into a new folder");
        }
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            TensorView a = f.tensor(HarvestManifest.ACTIVATIONS);
            if (a.rank() != 2 || a.dim(0) != shard.rows() || a.dim(1) != m.hiddenSize() || a.dtype() != m.dtype()) {
                throw new HarvestException(file + ": tensor 'activations' is " + a.dtype() + java.util.Arrays.toString(a.shape())
                        + ", the manifest expects " + m.dtype() + "[" + shard.rows() + ", " + m.hiddenSize() + "]");
            }
        } catch (SafetensorsException e) {
            throw new HarvestException(e.getMessage() + " (a shard listed in the manifest)", e);
        }
    }

    private static HarvestManifest harvest(HarvestSettings s, HarvestManifest kept, Listener listener) {
        int context = s.context(), layer = s.layer();
        long startRow = kept.tokens(), endRow = s.tokens();
        GemmaTokenizer tokenizer = GemmaTokenizer.load(s.model());
        HarvestManifest manifest = kept;
        try (Gemma2Model model = Gemma2Model.load(s.model());
             PackedSequences packer = PackedSequences.open(s.data(), tokenizer, context, model.config().bosTokenId())) {
            int hidden = model.config().hiddenSize();
            long sequenceIndex = startRow / context;
            boolean exhausted = packer.skip(sequenceIndex) < sequenceIndex;
            List<HarvestManifest.Shard> shards = new ArrayList<>(kept.shards());
            ShardBuffer buffer = exhausted ? null : newBuffer(startRow, endRow, s, hidden);
            int[] ids = new int[s.batch() * context];
            while (!exhausted && buffer != null) {
                long stillNeeded = endRow - sequenceIndex * context;
                int wanted = (int) Math.min(s.batch(), (stillNeeded + context - 1) / context);
                int got = 0;
                for (; got < wanted; got++) {
                    int[] seq = packer.next();
                    if (seq == null) {
                        exhausted = true;
                        break;
                    }
                    System.arraycopy(seq, 0, ids, got * context, context);
                }
                if (got == 0) break;
                int[] batchIds = got * context == ids.length ? ids : java.util.Arrays.copyOf(ids, got * context);
                // Layers 0..layer only: no later layer, no final norm, no logits (at the last layer of
                // gemma-2 the 256k-vocabulary logits alone cost 7× a layer).
                ForwardResult pass = model.forward(batchIds, got, Hooks.none().capture(layer).stopAfter(layer));
                listener.forwardPass(pass);
                float[] residual = pass.residual(layer);
                for (int r = 0; r < got * context && buffer != null; r++) {
                    long row = sequenceIndex * context + r;
                    if (row < startRow) continue; // resuming inside a sequence: its first rows are in the last kept shard
                    buffer.add(residual, r, batchIds[r], sequenceIndex + r / context, r % context);
                    if (buffer.full()) {
                        manifest = finish(buffer, shards, manifest, s, false, listener);
                        buffer = newBuffer(row + 1, endRow, s, hidden);
                    }
                }
                sequenceIndex += got;
                listener.harvested(Math.min(sequenceIndex * context, endRow) - startRow);
            }
            if (buffer != null && buffer.rows() > 0) manifest = finish(buffer, shards, manifest, s, exhausted, listener);
            if (exhausted && !manifest.dataExhausted()) {
                manifest = manifest.withShards(shards, manifest.tokensRequested(), true);
                manifest.write(s.out());
            }
            return manifest;
        }
    }

    /** The buffer for the shard starting at {@code firstRow}, or null when the target is reached. */
    private static ShardBuffer newBuffer(long firstRow, long endRow, HarvestSettings s, int hidden) {
        if (firstRow >= endRow) return null;
        return new ShardBuffer(firstRow, (int) Math.min(s.shardTokens(), endRow - firstRow), hidden, s.dtype());
    }

    /** Writes the shard, then the manifest listing it (in that order: the manifest never names a file not yet complete). */
    private static HarvestManifest finish(ShardBuffer buffer, List<HarvestManifest.Shard> shards, HarvestManifest manifest,
                                          HarvestSettings s, boolean exhausted, Listener listener) {
        String name = HarvestManifest.shardFileName(shards.size());
        buffer.write(s.out().resolve(name), manifest.hookName());
        HarvestManifest.Shard shard = new HarvestManifest.Shard(name, buffer.firstRow(), buffer.rows());
        shards.add(shard);
        HarvestManifest updated = manifest.withShards(shards, manifest.tokensRequested(), exhausted);
        updated.write(s.out());
        listener.shardWritten(shard, updated);
        return updated;
    }
}
