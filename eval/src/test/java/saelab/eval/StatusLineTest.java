package saelab.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class StatusLineTest {
    static final String NL = System.lineSeparator();

    @Test
    void onATerminalTheLineIsRedrawnInPlaceAndPaddedOverLongerText() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        StatusLine line = new StatusLine(new PrintStream(buf, true, StandardCharsets.UTF_8), Long.MAX_VALUE, true);
        line.show("step 1 of 10", false);
        line.show("step 2", false);
        line.show("done", true);
        line.finish(); // the line is closed already: nothing more
        line.show("next", false);
        line.finish();
        assertEquals("\rstep 1 of 10\rstep 2      \rdone  " + NL + "\rnext" + NL, buf.toString(StandardCharsets.UTF_8));
    }

    @Test
    void intoALogTheFirstAndFinalLinesPrintAndTheRestWaitForTheInterval() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        StatusLine line = new StatusLine(new PrintStream(buf, true, StandardCharsets.UTF_8), Long.MAX_VALUE, false);
        line.show("a", false);
        line.show("b", false); // within the (infinite) interval: left out
        line.show("c", true);
        line.finish();
        assertEquals("a" + NL + "c" + NL, buf.toString(StandardCharsets.UTF_8));
        ByteArrayOutputStream every = new ByteArrayOutputStream();
        StatusLine always = new StatusLine(new PrintStream(every, true, StandardCharsets.UTF_8), 0, false);
        always.show("a", false);
        always.show("b", false);
        assertEquals("a" + NL + "b" + NL, every.toString(StandardCharsets.UTF_8));
    }
}
