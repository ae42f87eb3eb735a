package saelab.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The saelab command: one entry point, one subcommand per job. */
@Command(name = "saelab", mixinStandardHelpOptions = true, version = "saelab 0.1.0",
        description = "A pure-JVM lab for sparse autoencoders on language models.",
        subcommands = {BenchCommand.class, GenModelCommand.class, CompleteCommand.class, HarvestCommand.class})
public final class Main implements Runnable {
    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override public void run() {
        new CommandLine(this).usage(System.out);
    }
}
