package saelab.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * A benchmark's Python reference as a child process that keeps its arrays between requests: it
 * prints "ready …" (or "unavailable REASON") once, then answers each request line with one line
 * of numbers. Other lines it prints (warnings; stderr is merged) are kept only to explain a
 * child that died.
 */
final class PythonServer implements AutoCloseable {
    /** The child said why it cannot serve (a missing module, no such device), or could not be started. */
    static final class Unavailable extends Exception {
        Unavailable(String reason) {
            super(reason);
        }
    }

    private final Process process;
    private final BufferedReader in;
    private final PrintWriter out;
    /** What followed "ready" on the first line: versions, device. */
    final String greeting;

    /**
     * Starts the child and waits for its first line.
     *
     * @param what names the child in messages ("numpy", "torch")
     * @throws Unavailable the interpreter could not be started, or the child answered "unavailable"
     */
    PythonServer(ProcessBuilder pb, String what) throws Unavailable {
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new Unavailable("'" + pb.command().getFirst() + "' could not be started (" + e.getMessage() + ")");
        }
        in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        out = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
        String first;
        try {
            first = readLine(what, true);
        } catch (RuntimeException e) {
            close();
            throw new Unavailable(e.getMessage());
        }
        if (first.startsWith("unavailable")) {
            close();
            throw new Unavailable("'" + pb.command().getFirst() + "' " + first.substring("unavailable".length()).strip());
        }
        greeting = first.substring("ready".length()).strip();
    }

    /** The child's process id (its /proc entry: {@link ProcessMemory#peakOf}). */
    long pid() {
        return process.pid();
    }

    /** Sends one request line; the reply's whitespace-separated fields. */
    String[] request(String line, String what) {
        out.println(line);
        return readLine(what, false).strip().split("\\s+");
    }

    private String readLine(String what, boolean first) {
        StringBuilder seen = new StringBuilder();
        try {
            String line;
            while ((line = in.readLine()) != null) {
                if (first ? line.startsWith("ready") || line.startsWith("unavailable") : isReply(line)) return line;
                seen.append(line).append('\n');
            }
        } catch (IOException e) {
            seen.append(e.getMessage());
        }
        throw new IllegalStateException(what + " exited: " + lastLines(seen.toString().strip(), 3));
    }

    private static boolean isReply(String line) {
        String[] f = line.strip().split("\\s+");
        try {
            Double.parseDouble(f[0]);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** A traceback's last lines say what went wrong; the rest would bury the table. */
    private static String lastLines(String text, int n) {
        String[] lines = text.split("\n");
        int from = Math.max(0, lines.length - n);
        return (from > 0 ? "… " : "") + String.join(" | ", java.util.Arrays.copyOfRange(lines, from, lines.length));
    }

    @Override public void close() {
        out.println("quit");
        out.close();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
