package saelab.train.checkpoint;

import saelab.train.TestConfigs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import saelab.train.penalty.kernels.CoFiring;
import saelab.train.penalty.PenaltyConfig;
import saelab.train.sae.TopKSae;
import saelab.train.schedule.Schedule;
import saelab.train.trainer.TrainConfig;

/**
 * The new penalty options in cfg.json: written, read back equal (through the files a checkpoint
 * writes, which is what --resume reads), with the names the command line uses; a cfg.json from
 * before the orthogonal penalty (no "chunks") still reads; bad values are one-line errors.
 */
class ControlPenaltyConfigJsonTest {

    static TrainConfig topk(PenaltyConfig pen) {
        return TestConfigs.legacy("topk", 16, 64, 4, 1e-3, 100, 32, 7, 10, 80, 1.0 / 32, 1000, 8, 0, 0, pen, 1.0,
                10, 0, "synthetic:small", "blocks.0.hook_resid_post", "synthetic:small");
    }

    @Test
    void jaccardAndOrthogonalConfigurationsReadBackEqualFromACheckpoint(@TempDir Path dir) {
        PenaltyConfig[] options = {
                PenaltyConfig.staticDefault().withNormalization(CoFiring.Normalization.JACCARD),
                new PenaltyConfig(PenaltyConfig.Kind.ADAPTIVE, Schedule.parse("quadratic(0.1)"), Schedule.parse("power(0.1, 0.5)"),
                        PenaltyConfig.OverlapTarget.DECODER, CoFiring.Normalization.JACCARD),
                PenaltyConfig.orthogonal(Schedule.parse("0.25"), 4),
                PenaltyConfig.orthogonal(Schedule.parse("cosine(0.3, 0.05)"), 32),
        };
        for (PenaltyConfig pen : options) {
            TrainConfig cfg = topk(pen);
            SaeCheckpoint.write(dir, cfg.architecture().create(cfg, 1), cfg, 12);
            SaeCheckpoint.Loaded ck = SaeCheckpoint.read(dir);
            assertEquals(cfg, ck.training(), "round trip of " + pen);
            JsonNode p = ck.cfg().get("saelab").get("penalty");
            assertEquals(PenaltyConfig.name(pen.kind()), p.get("kind").asText());
            assertEquals(pen.chunks(), p.get("chunks").asInt());
            if (pen.kind() != PenaltyConfig.Kind.ORTHOGONAL) assertEquals("jaccard", p.get("cofire_norm").asText());
        }
    }

    @Test
    void theTextFormsParseToTheNewOptionsAndBack() {
        assertEquals(CoFiring.Normalization.JACCARD, PenaltyConfig.parseNormalization(" Jaccard "));
        assertEquals("jaccard", PenaltyConfig.name(CoFiring.Normalization.JACCARD));
        assertEquals(PenaltyConfig.Kind.ORTHOGONAL, PenaltyConfig.parseKind("orthogonal"));
        assertEquals("orthogonal", PenaltyConfig.name(PenaltyConfig.Kind.ORTHOGONAL));
        String bad = assertThrows(IllegalArgumentException.class, () -> PenaltyConfig.parseNormalization("union")).getMessage();
        assertTrue(bad.contains("'batch', 'min' or 'jaccard'") && bad.contains("'union'"), bad);
        String badKind = assertThrows(IllegalArgumentException.class, () -> PenaltyConfig.parseKind("ortho")).getMessage();
        assertTrue(badKind.contains("'orthogonal'"), badKind);
    }

    @Test
    void aConfigWrittenBeforeTheOrthogonalPenaltyHasOneChunk() {
        ObjectNode o = TrainConfigJson.toJson(topk(PenaltyConfig.adaptiveDefault()));
        ((ObjectNode) o.get("penalty")).remove("chunks");
        TrainConfig old = TrainConfigJson.fromJson(o);
        assertEquals(1, old.penalty().chunks());
        assertEquals(topk(PenaltyConfig.adaptiveDefault()), old);
    }

    @Test
    void badChunksAreOneLineErrorsNamingWhatWasExpected() {
        ObjectNode o = TrainConfigJson.toJson(topk(PenaltyConfig.orthogonal(Schedule.parse("0.1"), 4)));
        ((ObjectNode) o.get("penalty")).put("chunks", 2.5);
        String notInt = assertThrows(IllegalArgumentException.class, () -> TrainConfigJson.fromJson(o)).getMessage();
        assertTrue(notInt.contains("'chunks' must be a whole number") && notInt.contains("2.5"), notInt);
        // m = 64: a chunk must hold two latents, so at most 32 chunks.
        String tooMany = assertThrows(IllegalArgumentException.class, () -> topk(PenaltyConfig.orthogonal(Schedule.parse("0.1"), 33))).getMessage();
        assertTrue(tooMany.contains("at most m/2 = 32") && tooMany.contains("got 33"), tooMany);
        String zero = assertThrows(IllegalArgumentException.class, () -> PenaltyConfig.orthogonal(Schedule.parse("0.1"), 0)).getMessage();
        assertTrue(zero.contains("chunks must be ≥ 1"), zero);
        String relu = assertThrows(IllegalArgumentException.class, () -> TestConfigs.legacy("standard", 16, 64, 4, 1e-3,
                100, 32, 7, 10, 80, 0, 1000, 8, 0.04, 10, PenaltyConfig.orthogonal(Schedule.parse("0.1"), 2), 1.0, 10, 0, "s", "h", "m")).getMessage();
        assertTrue(relu.contains("orthogonal penalty acts on fixed-k sparse codes, which the standard SAE does not have"), relu);
        for (String msg : new String[] {notInt, tooMany, zero, relu}) assertTrue(!msg.contains("\n") && !msg.contains("Exception"), msg);
    }
}
