package saelab.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.strings;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TerminalWidthTest {
    /** A fitted line never exceeds columns − 1 code points; a line that fits is unchanged; a cut one is a prefix and "…". */
    @Test void fitKeepsWhatFitsAndCutsTheRest() {
        int[] cut = new int[1];
        qt().withFixedSeed(1515L).withExamples(300).forAll(strings().basicLatinAlphabet().ofLengthBetween(0, 300), integers().between(20, 200))
                .checkAssert((text, columns) -> {
                    String s = TerminalWidth.fit(text + "×", columns); // a non-ASCII character too
                    int len = s.codePointCount(0, s.length());
                    assertTrue(len <= columns - 1, len + " > " + (columns - 1));
                    if ((text + "×").length() <= columns - 1) {
                        assertEquals(text + "×", s);
                    } else {
                        cut[0]++;
                        assertEquals(columns - 1, len);
                        assertTrue(s.endsWith("…") && (text + "×").startsWith(s.substring(0, s.length() - 1)), s);
                    }
                });
        assertTrue(cut[0] > 50, "cut lines were exercised: " + cut[0]);
    }

    @Test void columnsFromTheEnvironmentWhenSensible() {
        assertEquals(132, TerminalWidth.detect("132"));
        assertNotEquals(5, TerminalWidth.detect("5"), "too narrow to be a real setting");
        assertTrue(TerminalWidth.detect(null) >= 20);
    }

    /** On a terminal, a redrawn line is cut to the width; a closing (permanent) line is not. */
    @Test void statusLineFitsRedrawnTextOnly() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        StatusLine line = new StatusLine(new PrintStream(buf, true, StandardCharsets.UTF_8), Long.MAX_VALUE, true);
        String wide = "x".repeat(TerminalWidth.columns() + 50);
        line.show(wide, false);
        String shown = buf.toString(StandardCharsets.UTF_8);
        assertEquals(TerminalWidth.columns() - 1, shown.length() - 1, "\\r and the fitted text"); // -1 for \r
        buf.reset();
        line.show(wide, true);
        assertTrue(buf.toString(StandardCharsets.UTF_8).contains(wide));
    }
}
