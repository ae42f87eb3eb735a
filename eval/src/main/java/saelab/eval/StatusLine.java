package saelab.eval;

import java.io.PrintStream;

/**
 * A status line for long jobs. On a terminal it is one line redrawn in place ({@code \r}, padded
 * over the previous text); into a pipe or log file it is a plain line at most every
 * {@code plainIntervalNanos} (and always for a final one), so logs stay readable. A line redrawn
 * in place is cut to the terminal's width ({@link TerminalWidth}). The one place
 * that decides whether stderr is a terminal, for the experiment's run lines (eval) and
 * {@code saelab train}'s step line (cli).
 */
public final class StatusLine {
    /** Whether this JVM runs on a terminal: redraw in place only then. */
    public static final boolean TERMINAL = System.console() != null && System.console().isTerminal();

    private final PrintStream out;
    private final long plainIntervalNanos;
    private final boolean terminal;
    private boolean printedPlain;
    private long lastPlain;
    private int width;

    public StatusLine(PrintStream out, long plainIntervalNanos) {
        this(out, plainIntervalNanos, TERMINAL);
    }

    /** With {@code terminal} given (tests). */
    StatusLine(PrintStream out, long plainIntervalNanos, boolean terminal) {
        this.out = out;
        this.plainIntervalNanos = plainIntervalNanos;
        this.terminal = terminal;
    }

    public boolean terminal() { return terminal; }

    /**
     * Shows {@code text}; {@code end} closes the line (on a terminal the next text starts a new
     * line; into a log it is printed whatever the interval).
     */
    public void show(String text, boolean end) {
        if (!terminal) {
            long now = System.nanoTime();
            if (end || !printedPlain || now - lastPlain >= plainIntervalNanos) {
                out.println(text);
                printedPlain = true;
                lastPlain = now;
            }
            return;
        }
        // Redrawn in place: fitted to the terminal, or the wrapped part would stay behind at each redraw.
        if (!end) text = TerminalWidth.fit(text, TerminalWidth.columns());
        out.print("\r" + text + " ".repeat(Math.max(0, width - text.length())));
        width = text.length();
        if (end) {
            out.println();
            width = 0;
        }
        out.flush();
    }

    /** Ends a line left open on a terminal (nothing otherwise). */
    public void finish() {
        if (terminal && width > 0) {
            out.println();
            width = 0;
        }
    }
}
