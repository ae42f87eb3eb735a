package saelab.train.arch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import saelab.train.Props;

/**
 * Settings written with toJson and read back (through JSON text, as cfg.json stores them) are
 * the same record, for every value the records accept.
 */
class SettingsRoundTripProperties {
    private static final ObjectMapper JSON = new ObjectMapper();

    static SaeSettings roundTrip(SaeSettings s, int d, int m) throws Exception {
        ObjectNode o = JSON.createObjectNode();
        s.toJson(o);
        return s.architecture().settings(JSON.readTree(JSON.writeValueAsString(o)), d, m);
    }

    @Test
    void topKSettingsSurviveTheirJson() {
        // Seed printed so a failure can be rerun: 1301.
        Props.qt(1301, 300).forAll(integers().between(1, 4096), doubles().between(0, 10), integers().between(1, 100_000), integers().between(1, 4096))
                .checkAssert((k, alpha, kAux, d) -> {
                    TopKSettings s = new TopKSettings(k, alpha, kAux);
                    try {
                        assertEquals(s, roundTrip(s, d, 4096));
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                });
    }

    @Test
    void standardSettingsSurviveTheirJson() {
        // Seed printed so a failure can be rerun: 1302.
        Props.qt(1302, 300).forAll(doubles().between(0, 1e3), longs().between(0, Long.MAX_VALUE / 2))
                .checkAssert((l1, warm) -> {
                    StandardSettings s = new StandardSettings(l1, warm);
                    try {
                        assertEquals(s, roundTrip(s, 16, 64));
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                });
    }
}
