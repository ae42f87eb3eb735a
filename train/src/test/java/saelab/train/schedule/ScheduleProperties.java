package saelab.train.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.Size;

class ScheduleProperties {

    static Arbitrary<Double> nonNegative() { return Arbitraries.doubles().between(0, 10); }

    /** Every schedule whose value should never rise over training, with arguments in range. */
    @Provide
    Arbitrary<Schedule> decaying() {
        Arbitrary<Double> unit = Arbitraries.doubles().between(0, 1);
        return Arbitraries.oneOf(
                Combinators.combine(nonNegative(), nonNegative()).as((a, b) -> new Schedule.Linear(Math.max(a, b), Math.min(a, b))),
                nonNegative().map(Schedule.Quadratic::new),
                Combinators.combine(nonNegative(), Arbitraries.doubles().between(0.01, 5)).as(Schedule.Power::new),
                Combinators.combine(nonNegative(), nonNegative()).as((a, b) -> new Schedule.Cosine(Math.max(a, b), Math.min(a, b))),
                Combinators.combine(nonNegative(), Arbitraries.doubles().between(0, 10)).as(Schedule.Exponential::new),
                Combinators.combine(nonNegative(), Arbitraries.doubles().between(0.01, 1), unit).as(Schedule.Step::new),
                nonNegative().map(Schedule.Constant::new));
    }

    @Provide
    Arbitrary<Schedule> any() {
        return Arbitraries.oneOf(decaying(),
                Combinators.combine(nonNegative(), Arbitraries.doubles().between(0, 0.99)).as(Schedule.WarmupDecay::new));
    }

    @Property(tries = 500, seed = "4201")
    void decayingSchedulesNeverRise(@ForAll("decaying") Schedule s,
                                    @ForAll @Size(min = 2, max = 20) double[] ps) {
        double[] sorted = Arrays.stream(ps).map(p -> Math.abs(p) % 1.0).sorted().toArray();
        for (int i = 1; i < sorted.length; i++) {
            assertTrue(s.at(sorted[i]) <= s.at(sorted[i - 1]) + 1e-12 * Math.abs(s.at(sorted[i - 1])),
                    s.spec() + " rose from p=" + sorted[i - 1] + " to p=" + sorted[i]);
        }
    }

    @Property(tries = 300, seed = "4202")
    void endpointsAreTheStatedValues(@ForAll("any") Schedule s) {
        double tol = 1e-12;
        switch (s) {
            case Schedule.Constant c -> { assertEquals(c.value(), s.at(0)); assertEquals(c.value(), s.at(1)); }
            case Schedule.Linear l -> { assertEquals(l.start(), s.at(0), tol); assertEquals(l.end(), s.at(1), tol); }
            case Schedule.Quadratic q -> { assertEquals(q.max(), s.at(0)); assertEquals(0.0, s.at(1)); }
            case Schedule.Power p -> { assertEquals(p.max(), s.at(0)); assertEquals(0.0, s.at(1)); }
            case Schedule.Cosine c -> { assertEquals(c.max(), s.at(0), tol); assertEquals(c.min(), s.at(1), tol * (1 + c.max())); }
            case Schedule.Exponential e -> { assertEquals(e.max(), s.at(0)); assertEquals(e.max() * Math.exp(-e.rate()), s.at(1), tol * e.max()); }
            case Schedule.WarmupDecay w -> {
                assertEquals(w.warmup() == 0 ? w.max() : 0.0, s.at(0), tol);
                assertEquals(w.max(), s.at(w.warmup()), tol * (1 + w.max()));
                assertEquals(0.0, s.at(1), tol);
            }
            case Schedule.Step st -> {
                assertEquals(st.max(), s.at(0));
                assertEquals(st.max() * Math.pow(st.factor(), Math.floor(1 / st.every())), s.at(1), tol * (1 + st.max()));
            }
        }
    }

    @Property(tries = 300, seed = "4203")
    void specParsesBackToAnEqualSchedule(@ForAll("any") Schedule s) {
        assertEquals(s, Schedule.parse(s.spec()));
    }

    @Property(tries = 100, seed = "4204")
    void constantIgnoresProgress(@ForAll @DoubleRange(min = -5, max = 5) double v, @ForAll @DoubleRange(min = 0, max = 1) double p) {
        assertEquals(v, Schedule.parse(Double.toString(v)).at(p));
    }

    @Example
    void theMethodsOriginalSchedulesReadAsWritten() {
        assertEquals(new Schedule.Quadratic(0.1), Schedule.parse("quadratic(0.1)"));
        assertEquals(new Schedule.Power(0.08, 0.2), Schedule.parse(" power( 0.08 , 0.2 ) "));
        assertEquals(new Schedule.Linear(0.1, 0), Schedule.parse("linear(0.1)"));
        // λ2(p) = 0.1·(1 − p)² at p = 0.5 is 0.025
        assertEquals(0.025, Schedule.parse("quadratic(0.1)").at(0.5), 1e-15);
    }

    @Example
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
