package saelab.eval;

import java.io.File;
import java.util.concurrent.TimeUnit;

/**
 * The terminal's width in columns, for status lines redrawn in place (a line wider than the
 * terminal wraps, and {@code \r} then redraws only its last row): $COLUMNS when exported, else
 * {@code stty size} on /dev/tty, else {@value #FALLBACK}. Read once.
 */
public final class TerminalWidth {
    private TerminalWidth() {}

    public static final int FALLBACK = 100;
    private static volatile int columns;

    public static int columns() {
        int c = columns;
        if (c == 0) columns = c = detect(System.getenv("COLUMNS"));
        return c;
    }

    static int detect(String env) {
        Integer fromEnv = parse(env);
        if (fromEnv != null) return fromEnv;
        try {
            Process p = new ProcessBuilder("stty", "size").redirectInput(new File("/dev/tty")).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(p.getInputStream().readAllBytes()).strip(); // "rows columns"
            if (p.waitFor(2, TimeUnit.SECONDS) && p.exitValue() == 0) {
                Integer fromStty = parse(out.substring(out.indexOf(' ') + 1));
                if (fromStty != null) return fromStty;
            }
        } catch (Exception noTerminal) {
            // no tty, no stty: the fallback
        }
        return FALLBACK;
    }

    private static Integer parse(String s) {
        if (s == null) return null;
        try {
            int v = Integer.parseInt(s.strip());
            return v >= 20 && v <= 10_000 ? v : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * {@code text} cut to {@code columns − 1} characters (the last column left free, where some
     * terminals wrap at once), ending in "…" when cut.
     */
    public static String fit(String text, int columns) {
        int max = Math.max(1, columns - 1);
        if (text.codePointCount(0, text.length()) <= max) return text;
        return text.substring(0, text.offsetByCodePoints(0, max - 1)) + "…";
    }
}
