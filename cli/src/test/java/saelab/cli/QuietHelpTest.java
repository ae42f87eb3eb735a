package saelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * --help of every command in saelab's tree (walked from picocli's own subcommand map, so a new
 * command is covered without editing this test), --version and the bare command print their text
 * on stdout and nothing at all on stderr: no backend line, no picocli format warning.
 */
class QuietHelpTest {
    /** Every command's path below saelab, e.g. [bench, gemm]. */
    private static List<List<String>> paths(CommandLine c, List<String> prefix, List<List<String>> into) {
        into.add(prefix);
        for (var e : c.getSubcommands().entrySet()) {
            if (!e.getKey().equals(e.getValue().getCommandName())) continue; // an alias
            List<String> p = new ArrayList<>(prefix);
            p.add(e.getKey());
            paths(e.getValue(), p, into);
        }
        return into;
    }

    @Test void everyHelpRendersWithoutAWarningOrABackendLine() {
        List<List<String>> all = paths(Main.commandLine(), List.of(), new ArrayList<>());
        assertTrue(all.size() >= 12, "the walk found " + all); // saelab, its 9 subcommands and bench's 3
        for (List<String> path : all) {
            List<String> args = new ArrayList<>(path);
            args.add("--help");
            CliFixtures.Run r = CliFixtures.saelab(args.toArray(String[]::new));
            assertEquals(0, r.exitCode(), args + "\n" + r);
            assertTrue(r.out().contains("Usage: saelab" + (path.isEmpty() ? "" : " " + String.join(" ", path))), args + "\n" + r);
            assertEquals("", r.err(), args + " wrote to stderr:\n" + r.err());
        }
    }

    @Test void versionAndTheBareCommandAreQuietToo() {
        for (String[] args : new String[][] {{"--version"}, {}, {"bench"}}) {
            CliFixtures.Run r = CliFixtures.saelab(args);
            assertEquals(0, r.exitCode(), r.toString());
            assertTrue(!r.out().isBlank(), r.toString());
            assertEquals("", r.err(), String.join(" ", args) + " wrote to stderr:\n" + r.err());
        }
    }

    @Command(name = "pct", mixinStandardHelpOptions = true, description = "Texts shuffled, 20% held out.")
    static final class UnescapedPercent implements Runnable {
        @Override public void run() {}
    }

    /** The harness sees picocli's format warnings: a description with a bare % does make one on stderr. */
    @Test void theHarnessCatchesAPicocliFormatWarning() {
        var oldErr = System.err;
        var buf = new java.io.ByteArrayOutputStream();
        try {
            System.setErr(new java.io.PrintStream(buf, true, java.nio.charset.StandardCharsets.UTF_8));
            new CommandLine(new UnescapedPercent()).setOut(new java.io.PrintWriter(new java.io.StringWriter())).execute("--help");
        } finally {
            System.setErr(oldErr);
        }
        assertTrue(buf.toString(java.nio.charset.StandardCharsets.UTF_8).contains("WARN"), buf.toString());
    }
}
