package saelab.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;
import saelab.model.IoErrors;

/**
 * Every error of the command line as one line on stderr: "saelab CMD: what, where, what was
 * expected (see saelab CMD --help)", no usage text after it and no Java class names in it. Exit
 * status 2 for usage errors (picocli's parse errors, and {@link IllegalArgumentException} from a
 * command: a bad value, file or combination of options), 1 for failures while running.
 */
final class CliErrors {
    private CliErrors() {}

    static final int USAGE = 2, RUNTIME = 1;

    static void install(CommandLine cl) {
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine c = ex.getCommandLine();
            String name = c.getCommandSpec().qualifiedName();
            c.getErr().println(name + ": " + usage(ex) + " (see " + name + " --help)");
            return USAGE;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            String name = c.getCommandSpec().qualifiedName();
            boolean usage = ex instanceof IllegalArgumentException;
            if (Main.verbose()) ex.printStackTrace(System.err);
            c.getErr().println(name + ": " + describe(ex) + (usage ? " (see " + name + " --help)" : ""));
            return usage ? USAGE : RUNTIME;
        });
    }

    /**
     * Whether a failure came from the disk or the file system (a write that found no space, a read
     * error), however it was wrapped: a runtime failure (exit 1), not bad input (exit 2).
     */
    static boolean ioFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.io.IOException || t instanceof java.io.UncheckedIOException) return true;
            if (t.getCause() == t) break;
        }
        return false;
    }

    private static final Pattern NOT_A_NUMBER = Pattern.compile("Invalid value for option '([^']+)': '(.*)' is not an? (long|int|integer|double|float|short|byte)");
    private static final Pattern INVALID_VALUE = Pattern.compile("Invalid value for option '([^']+)': (.*)", Pattern.DOTALL);

    /** picocli's parse error in the project's words: the option, the value and what it expects. */
    static String usage(ParameterException ex) {
        String msg = oneLine(ex.getMessage());
        Matcher m = NOT_A_NUMBER.matcher(msg);
        if (m.find()) {
            String kind = switch (m.group(3)) {
                case "double", "float" -> "a number (e.g. 0.001 or 1e-3)";
                default -> "a whole number (e.g. 1500)";
            };
            return m.group(1) + " '" + m.group(2) + "': expected " + kind;
        }
        if (ex instanceof UnmatchedArgumentException u && u.isUnknownOption()) {
            List<String> unknown = u.getUnmatched().stream().filter(a -> a.startsWith("-")).toList();
            List<String> close = u.getSuggestions();
            String what = "unknown option" + (unknown.size() > 1 ? "s " : " ") + String.join(", ", unknown.isEmpty() ? u.getUnmatched() : unknown);
            return what + (close.isEmpty() ? "" : "; did you mean " + String.join(" or ", close.stream().limit(3).toList()) + "?");
        }
        m = INVALID_VALUE.matcher(msg);
        if (m.find()) {
            // A converter's own message (a size like 2M, a dtype): keep its words, drop picocli's wrapper and any class name.
            return m.group(1) + ": " + IoErrors.plain(m.group(2).replaceFirst("^cannot convert '([^']*)' to \\S+ \\((.*)\\)$", "'$1': $2"));
        }
        if (ex instanceof CommandLine.MissingParameterException missing && msg.startsWith("Missing required option")) {
            List<String> names = missing.getMissing().stream().map(a -> a instanceof CommandLine.Model.OptionSpec o
                    ? o.longestName() + (o.arity().max() > 0 ? " " + label(o.paramLabel()) : "")
                    : a.paramLabel()).toList();
            return "missing required option" + (names.size() > 1 ? "s " : " ") + String.join(", ", names);
        }
        return IoErrors.plain(msg);
    }

    /** An option's value label as --help shows it, picocli's default {@code <model>} as MODEL. */
    private static String label(String paramLabel) {
        return paramLabel.startsWith("<") && paramLabel.endsWith(">")
                ? paramLabel.substring(1, paramLabel.length() - 1).toUpperCase(java.util.Locale.ROOT) : paramLabel;
    }

    /** A failure's message as one line in the user's words (file and reason for I/O, position for JSON). */
    static String describe(Throwable e) {
        return oneLine(switch (e) {
            case UncheckedIOException u -> IoErrors.describe(u);
            case JsonProcessingException j -> {
                var loc = j.getLocation();
                yield "not valid JSON" + (loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr())
                        + ": " + IoErrors.plain(j.getOriginalMessage());
            }
            case IOException io -> IoErrors.describe(io);
            case NumberFormatException n -> IoErrors.plain(n.getMessage()) + " (expected a number)";
            case OutOfMemoryError o -> "out of memory (" + o.getMessage() + "); give the JVM more with SAELAB_JAVA_OPTS=-Xmx…, or use smaller sizes";
            default -> e.getMessage() == null || e.getMessage().isBlank()
                    ? "internal error without a message; please report it with the command line (--verbose prints where it happened)"
                    : IoErrors.plain(e.getMessage());
        });
    }

    /** Multi-line messages (picocli's, a command's hint on a second line) joined into one. */
    static String oneLine(String s) {
        return s == null ? "" : s.strip().replaceAll("\\s*\\R\\s*", " ");
    }
}
