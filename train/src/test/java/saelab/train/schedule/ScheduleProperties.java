package saelab.train.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.lists;
import static saelab.train.Props.qt;

import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

class ScheduleProperties {

    /** [0, 10]; QuickTheories tries both ends and shrinks towards 0. */
    static Gen<Double> nonNegative() { return doubles().between(0, 10); }

    /** Every schedule whose value should never rise over training, with arguments in range. */
    static Gen<Schedule> decaying() {
        return Generate.oneOf(
                nonNegative().zip(nonNegative(), (a, b) -> new Schedule.Linear(Math.max(a, b), Math.min(a, b))),
                nonNegative().map(Schedule.Quadratic::new),
                nonNegative().zip(doubles().between(0.01, 5), Schedule.Power::new),
                nonNegative().zip(nonNegative(), (a, b) -> new Schedule.Cosine(Math.max(a, b), Math.min(a, b))),
                nonNegative().zip(doubles().between(0, 10), Schedule.Exponential::new),
                nonNegative().zip(doubles().between(0.01, 1), doubles().between(0, 1), Schedule.Step::new),
                nonNegative().map(Schedule.Constant::new));
    }

    static Gen<Schedule> any() {
        return Generate.oneOf(decaying(), nonNegative().zip(doubles().between(0, 0.99), Schedule.WarmupDecay::new));
    }

    /**
     * Exactly, not within a tolerance: each schedule is a chain of operations that are monotone in
     * floating point (+, −, × and ÷ by a fixed number round monotonically; Math.cos, exp and pow
     * are specified semi-monotonic; floor is monotone), so a value that never rises in exact
     * arithmetic never rises in doubles either. 2 to 24 progress values in [0, 1], ends included.
     */
    @Test
    void decayingSchedulesNeverRise() {
        qt(4201, 500).forAll(decaying(), lists().of(doubles().between(0, 1)).ofSizeBetween(2, 24)).checkAssert((s, ps) -> {
            double[] sorted = ps.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            for (int i = 1; i < sorted.length; i++) {
                assertTrue(s.at(sorted[i]) <= s.at(sorted[i - 1]), s.spec() + " rose from p=" + sorted[i - 1] + " to p=" + sorted[i]
                        + ": " + s.at(sorted[i - 1]) + " → " + s.at(sorted[i]));
            }
        });
    }

    /**
     * At p = 0 and 1 each formula reduces to its stated value up to the rounding of at most two
     * operations on numbers no larger than the schedule's largest argument M (e.g. start + (end −
     * start)·1): within 2 ulp(M). Where the test evaluates the same expression (exponential, step)
     * or nothing is rounded (constant, quadratic, power, warm-up at 0 and 1), exactly.
     */
    @Test
    void endpointsAreTheStatedValues() {
        qt(4202, 300).forAll(any()).checkAssert(s -> {
            switch (s) {
                case Schedule.Constant c -> { assertEquals(c.value(), s.at(0)); assertEquals(c.value(), s.at(1)); }
                case Schedule.Linear l -> {
                    double tol = 4 * Math.ulp(l.start());
                    assertEquals(l.start(), s.at(0), tol);
                    assertEquals(l.end(), s.at(1), tol);
                }
                case Schedule.Quadratic q -> { assertEquals(q.max(), s.at(0)); assertEquals(0.0, s.at(1)); }
                case Schedule.Power p -> { assertEquals(p.max(), s.at(0)); assertEquals(0.0, s.at(1)); }
                case Schedule.Cosine c -> {
                    double tol = 4 * Math.ulp(c.max());
                    assertEquals(c.max(), s.at(0), tol);
                    assertEquals(c.min(), s.at(1), tol);
                }
                case Schedule.Exponential e -> { assertEquals(e.max(), s.at(0)); assertEquals(e.max() * Math.exp(-e.rate()), s.at(1)); }
                case Schedule.WarmupDecay w -> {
                    assertEquals(w.warmup() == 0 ? w.max() : 0.0, s.at(0));
                    assertEquals(w.max(), s.at(w.warmup()), 4 * Math.ulp(w.max()));
                    assertEquals(0.0, s.at(1));
                }
                case Schedule.Step st -> {
                    assertEquals(st.max(), s.at(0));
                    assertEquals(st.max() * Math.pow(st.factor(), Math.floor(1 / st.every())), s.at(1));
                }
            }
        });
    }

    @Test
    void specParsesBackToAnEqualSchedule() {
        qt(4203, 300).forAll(any()).checkAssert(s -> assertEquals(s, Schedule.parse(s.spec())));
    }

    @Test
    void constantIgnoresProgress() {
        qt(4204, 100).forAll(doubles().between(-5, 5), doubles().between(0, 1))
                .checkAssert((v, p) -> assertEquals(v, Schedule.parse(Double.toString(v)).at(p)));
    }

    @Test
    void theMethodsOriginalSchedulesReadAsWritten() {
        assertEquals(new Schedule.Quadratic(0.1), Schedule.parse("quadratic(0.1)"));
        assertEquals(new Schedule.Power(0.08, 0.2), Schedule.parse(" power( 0.08 , 0.2 ) "));
        assertEquals(new Schedule.Linear(0.1, 0), Schedule.parse("linear(0.1)"));
        // λ2(p) = 0.1·(1 − p)² at p = 0.5 is 0.025
        assertEquals(0.025, Schedule.parse("quadratic(0.1)").at(0.5), 1e-15);
    }

    @Test
    void badTextSaysWhatWasExpected() {
        var unknown = assertThrows(IllegalArgumentException.class, () -> Schedule.parse("cubic(0.1)"));
        assertTrue(unknown.getMessage().contains("unknown schedule 'cubic'") && unknown.getMessage().contains("quadratic(max)"), unknown.getMessage());
        var arity = assertThrows(IllegalArgumentException.class, () -> Schedule.parse("power(0.1)"));
        assertTrue(arity.getMessage().contains("1 argument(s); expected power(max, r)"), arity.getMessage());
        var nan = assertThrows(IllegalArgumentException.class, () -> Schedule.parse("linear(x)"));
        assertTrue(nan.getMessage().contains("'x' is not a number"), nan.getMessage());
        var range = assertThrows(IllegalArgumentException.class, () -> Schedule.parse("power(0.1, -1)"));
        assertTrue(range.getMessage().contains("r must be > 0"), range.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Schedule.parse("quadratic(0.1)").at(1.5));
    }
}
