package saelab.train.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The end-of-run health line: said below the bar (negative EV worded apart), silent above it. */
class RunHealthTest {
    @Test void negativeExplainedVarianceSaysWorseThanTheMeanAndSuggestsFlagsForTheWidth() {
        String w = RunHealth.warning(-2.38, 320, 64, 16384).orElseThrow();
        assertEquals("health: EV -2.38 is below 0: the SAE reconstructs worse than the mean (d 64, m 16384, L0 320.0); try more --steps or --tokens,"
                + " a lower --lr, or --expansion-factor/--target-l0 (or --m/--k) sized for d 64", w);
        assertEquals(1, w.lines().count());
    }

    @Test void lowButPositiveAndNaNAreReportedAndTheBarItselfIsNot() {
        assertTrue(RunHealth.warning(0.31, 9, 64, 455).orElseThrow().startsWith("health: EV 0.310 is below 0.5, far below what these sizes should reach"));
        assertTrue(RunHealth.warning(Double.NaN, 9, 64, 455).orElseThrow().startsWith("health: EV is not a number: training diverged"));
        assertEquals(Optional.empty(), RunHealth.warning(RunHealth.LOW_EV, 9, 64, 455));
        assertEquals(Optional.empty(), RunHealth.warning(0.82, 9, 64, 455));
        assertTrue(RunHealth.warning(Math.nextDown(RunHealth.LOW_EV), 9, 64, 455).isPresent());
    }

    @Test void theBriefFormForTheExperimentsRunLinesFollowsTheSameBar() {
        assertEquals(Optional.of("health: EV < 0 (worse than the mean)"), RunHealth.brief(-596));
        assertEquals(Optional.of("health: EV < 0.5"), RunHealth.brief(0.209));
        assertEquals(Optional.of("health: EV NaN (diverged)"), RunHealth.brief(Double.NaN));
        assertEquals(Optional.empty(), RunHealth.brief(0.54));
    }
}
