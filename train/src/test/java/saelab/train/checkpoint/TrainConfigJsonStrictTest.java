package saelab.train.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;
import saelab.train.TestConfigs;
import saelab.train.penalty.PenaltyConfig;
import saelab.train.trainer.TrainConfig;

/**
 * The training config that --resume reads from cfg.json is read by the same strict rules as
 * train's --config file: a value of the wrong JSON type is refused with the key named, never
 * converted (Jackson's asInt() reads true as 1 and "abc" as 0).
 */
class TrainConfigJsonStrictTest {

    static TrainConfig cfg() {
        return TestConfigs.legacy("topk", 16, 32, 4, 3e-3, 30, 64, 9, 5, 20, 0.03125, 128, 8, 0, 0,
                PenaltyConfig.none(), 1.0, 3, 7, "synthetic:small", "t", "t");
    }

    @Test
    void aWellTypedConfigReadsBackEqual() {
        assertEquals(cfg(), TrainConfigJson.fromJson(TrainConfigJson.toJson(cfg())));
    }

    @Test
    void wrongTypesAreRefusedNamingTheKey() {
        record Case(String key, Object bad, String expected) {}
        for (Case c : List.of(new Case("steps", true, "a whole number"), new Case("batch", 2.5, "a whole number"),
                new Case("lr", "abc", "a number"), new Case("seed", "7", "a whole number"), new Case("source", 12, "a string"),
                new Case("d_in", false, "a whole number"))) {
            ObjectNode o = TrainConfigJson.toJson(cfg());
            switch (c.bad()) {
                case Boolean b -> o.put(c.key(), b);
                case Double d -> o.put(c.key(), d);
                case Integer i -> o.put(c.key(), i);
                default -> o.put(c.key(), c.bad().toString());
            }
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TrainConfigJson.fromJson(o), c.key());
            assertTrue(e.getMessage().contains("'" + c.key() + "' must be " + c.expected()), e.getMessage());
            assertTrue(e.getMessage().startsWith("cfg.json"), e.getMessage());
        }
    }
}
