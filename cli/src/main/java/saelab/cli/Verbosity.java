package saelab.cli;

import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * saelab's global --quiet and --verbose, accepted before or after any subcommand. train and
 * experiment declare their own --quiet (no progress lines); every other command gets both options
 * here, and a --quiet given before the subcommand ({@code saelab --quiet train …}) also sets the
 * subcommand's own. --quiet: no backend line and, where the command has one, no progress; --verbose:
 * the backend line on every command that selects a backend, not only on those that compute long.
 */
final class Verbosity {
    private Verbosity() {}

    static final String QUIET = "--quiet", VERBOSE = "--verbose";

    /** Adds the options the command tree lacks (picocli cannot inherit an option a subcommand also declares). */
    static void install(CommandLine root) {
        add(root);
    }

    private static void add(CommandLine c) {
        var spec = c.getCommandSpec();
        if (spec.findOption(QUIET) == null) {
            spec.addOption(OptionSpec.builder(QUIET).arity("0").type(boolean.class)
                    .description("No backend line and no progress lines (errors still show).").build());
        }
        if (spec.findOption(VERBOSE) == null) {
            spec.addOption(OptionSpec.builder(VERBOSE).arity("0").type(boolean.class)
                    .description("Also say which backend runs the kernels on commands that compute little.").build());
        }
        for (CommandLine sub : c.getSubcommands().values()) add(sub);
    }

    static boolean quiet(ParseResult parsed) {
        boolean any = matched(parsed, QUIET);
        if (any) {
            // The subcommand's own --quiet (train, experiment) follows a --quiet given anywhere before it.
            List<CommandLine> chain = parsed.asCommandLineList();
            OptionSpec own = chain.getLast().getCommandSpec().findOption(QUIET);
            if (own != null && own.type() == boolean.class) own.setValue(true);
        }
        return any;
    }

    static boolean verbose(ParseResult parsed) {
        return matched(parsed, VERBOSE);
    }

    private static boolean matched(ParseResult parsed, String name) {
        for (CommandLine c : parsed.asCommandLineList()) {
            ParseResult r = c.getParseResult();
            if (r != null && r.hasMatchedOption(name)) return true;
        }
        return false;
    }
}
