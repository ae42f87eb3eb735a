package saelab.eval.stats;

/** Variant {@code a} against variant {@code b}: differences are a − b, and "better" means a is better. */
public record Comparison(String a, String b) {
    public Comparison {
        if (a == null || b == null || a.isBlank() || b.isBlank() || a.equals(b)) {
            throw new IllegalArgumentException("comparison: '" + a + "' vs '" + b + "'; expected two different variant ids");
        }
    }

    /** "a vs b". */
    public String label() { return a + " vs " + b; }
}
