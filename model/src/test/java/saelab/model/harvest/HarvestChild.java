package saelab.model.harvest;

import java.nio.file.Path;
import saelab.model.safetensors.Dtype;

/**
 * A harvest in a JVM of its own, for {@link HarvestAcrossProcessesTest}: args model, data, out,
 * layer, context, tokens, batch, shard tokens, and the number of shards after which the process
 * halts as if killed (−1: run to the end).
 */
public final class HarvestChild {
    private HarvestChild() {}

    public static void main(String[] args) {
        HarvestSettings s = new HarvestSettings(Path.of(args[0]), Path.of(args[1]), Integer.parseInt(args[3]),
                Integer.parseInt(args[4]), Long.parseLong(args[5]), Path.of(args[2]), Integer.parseInt(args[6]),
                Integer.parseInt(args[7]), Dtype.BF16);
        int haltAfter = Integer.parseInt(args[8]);
        Harvester.run(s, new Harvester.Listener() {
            @Override public void shardWritten(HarvestManifest.Shard shard, HarvestManifest manifest) {
                if (manifest.shards().size() == haltAfter) Runtime.getRuntime().halt(HALTED);
            }
        });
    }

    static final int HALTED = 3;
}
