package saelab.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import saelab.train.source.SyntheticConfig;
import saelab.train.source.SyntheticPresets;
import saelab.train.source.SyntheticSource;

/** synthetic:PRESET[@SEED[/STREAM]]: parsing, the saved form, and one-line errors. */
class SyntheticSpecTest {

    @Test
    void theSavedFormRoundTripsAndOpensTheNamedStructureAndStream() {
        qt().withFixedSeed(5301L).withExamples(30).forAll(integers().between(0, SyntheticPresets.PRESETS.size() - 1), longs().all(), longs().between(0, 1000))
                .checkAssert((p, seed, stream) -> {
                    String preset = SyntheticPresets.PRESETS.get(p).name();
                    Sources.SyntheticSpec spec = new Sources.SyntheticSpec(preset, seed, stream);
                    String text = spec.text();
                    assertEquals(text, Sources.spec(text, 99), "a saved form is kept as it is");
                    assertEquals(spec, Sources.SyntheticSpec.parse(text));
                    assertEquals(stream == 0, !text.contains("/"), "stream 0 keeps the old form synthetic:PRESET@SEED: " + text);
                });
    }

    @Test
    void openGivesTheStructureOfTheSeedAndTheSamplesOfTheStream() {
        SyntheticSource a = (SyntheticSource) Sources.open("synthetic:small@4/7");
        assertEquals(SyntheticConfig.small(4), a.config());
        assertEquals(7, a.stream());
        SyntheticSource same = new SyntheticSource(SyntheticConfig.small(4)).withStream(7);
        assertArrayEquals(same.batchAt(3, 32).x(), a.batchAt(3, 32).x());
        SyntheticSource stream0 = (SyntheticSource) Sources.open("synthetic:small@4");
        assertEquals(0, stream0.stream());
        assertFalse(Arrays.equals(stream0.batchAt(3, 32).x(), a.batchAt(3, 32).x()), "another stream, other samples");
        assertArrayEquals(stream0.directions(), a.directions(), "the same true features");
        assertEquals("synthetic:small@5", Sources.spec("synthetic", 5));
        assertEquals("synthetic:bench@5", Sources.spec("Synthetic:Bench", 5));
        assertEquals("synthetic:bench@2/3", Sources.spec("synthetic:bench@2/3", 5));
        assertEquals(512, ((SyntheticSource) Sources.open("synthetic:bench@1")).features() / 2, "bench has 1024 features");
    }

    @Test
    void aBadPresetSeedOrStreamIsOneClearLine() {
        String[][] cases = {
                {"synthetic:tiny@1", "--source synthetic:tiny@1: unknown synthetic preset 'tiny'; expected one of small, bench, synthsaebench"},
                {"synthetic:small@x", "--source synthetic:small@x: the seed 'x' is not a whole number; expected synthetic:<preset>[@<seed>[/<stream>]]"},
                {"synthetic:small@1/y", "--source synthetic:small@1/y: the stream 'y' is not a whole number; expected synthetic:<preset>[@<seed>[/<stream>]]"}};
        for (String[] c : cases) {
            IllegalArgumentException open = assertThrows(IllegalArgumentException.class, () -> Sources.open(c[0]));
            assertEquals(c[1], open.getMessage());
            IllegalArgumentException spec = assertThrows(IllegalArgumentException.class, () -> Sources.spec(c[0], 0));
            assertEquals(c[1], spec.getMessage());
            assertFalse(c[1].contains("Exception") || c[1].contains("\n"));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Sources.open("synth"));
        assertTrue(e.getMessage().contains("small, bench, synthsaebench"), e.getMessage());
    }
}
