package saelab.cli;

import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import saelab.tensor.backend.BackendUnavailableException;
import saelab.tensor.backend.Backends;

/** The saelab command: one entry point, one subcommand per job. */
@Command(name = "saelab", mixinStandardHelpOptions = true, version = "saelab 0.1.0",
        description = "A pure-JVM lab for sparse autoencoders on language models.",
        subcommands = {ExperimentCommand.class, TrainCommand.class, SweepCommand.class, HarvestCommand.class,
                GenModelCommand.class, CompleteCommand.class, BenchCommand.class,
                ProbeCommand.class, AbsorptionCommand.class})
public final class Main implements Runnable {
    /** Read through the parse result (it may be given after any subcommand); the field only documents it. */
    @Option(names = "--backend", scope = ScopeType.INHERIT, paramLabel = "cpu|tornado|auto",
            defaultValue = "${env:SAELAB_BACKEND:-auto}",
            description = "Where the hot kernels (GEMM, bf16 GEMM, TopK, co-firing penalty) run: cpu (Vector API), "
                    + "tornado (TornadoVM GPU/OpenCL backend; needs TORNADOVM_HOME, see README 'GPU users') or auto "
                    + "(tornado when present and working on a device other than this machine's CPU, else cpu; says which). "
                    + "Default: $SAELAB_BACKEND or auto.")
    String backend;

    /** The backend line of this process, printed by {@link #announceBackend} once the job starts computing. */
    private static volatile String backendLine;
    private static volatile boolean quiet, verbose, backendAnnounced;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line: help installed, the backend selected before a subcommand runs. */
    static CommandLine commandLine() {
        backendLine = null;
        quiet = verbose = backendAnnounced = false;
        CommandLine cl = new CommandLine(new Main());
        TrainCommand.installHelp(cl.getSubcommands().get("train"));
        Verbosity.install(cl);
        CliErrors.install(cl);
        cl.setExecutionStrategy(parsed -> {
            quiet = Verbosity.quiet(parsed);
            verbose = Verbosity.verbose(parsed);
            if (quiet && verbose) {
                System.err.println("saelab: --quiet and --verbose contradict each other: give one");
                return 2;
            }
            if (runsAJob(parsed)) {
                String choice = backendChoice(parsed);
                try {
                    Backends.use(Backends.select(choice, line -> backendLine = line));
                } catch (BackendUnavailableException e) {
                    System.err.println("saelab: " + e.getMessage());
                    return 2;
                }
                if (verbose) announceBackend(System.err);
            }
            return new CommandLine.RunLast().execute(parsed);
        });
        return cl;
    }

    /**
     * Prints the backend line (which backend runs the kernels, and why), once per process: called
     * where a job starts computing (train, harvest, experiment, bench), after its inputs were
     * checked, so help, usage errors and commands that compute little stay quiet. --quiet drops it;
     * --verbose prints it on every command that selects a backend.
     */
    static void announceBackend(java.io.PrintStream err) {
        if (quiet || backendAnnounced || backendLine == null) return;
        backendAnnounced = true;
        err.println(backendLine);
    }

    /** --quiet was given (anywhere on the command line). */
    static boolean quiet() { return quiet; }

    /** --verbose was given (anywhere on the command line). */
    static boolean verbose() { return verbose; }

    /** A subcommand is about to run (not help, not version, not the bare usage). */
    private static boolean runsAJob(ParseResult parsed) {
        List<CommandLine> chain = parsed.asCommandLineList();
        if (chain.size() < 2) return false;
        for (CommandLine c : chain) {
            if (c.isUsageHelpRequested() || c.isVersionHelpRequested()) return false;
        }
        return true;
    }

    /** The innermost --backend given, else the default (environment or auto). */
    static String backendChoice(ParseResult parsed) {
        String choice = null;
        for (CommandLine c : parsed.asCommandLineList()) {
            ParseResult r = c.getParseResult();
            if (r != null && r.hasMatchedOption("--backend")) choice = r.matchedOptionValue("--backend", choice);
        }
        if (choice != null) return choice;
        String env = System.getenv("SAELAB_BACKEND");
        return env == null || env.isBlank() ? "auto" : env;
    }

    @Override public void run() {
        new CommandLine(this).usage(System.out);
    }
}
