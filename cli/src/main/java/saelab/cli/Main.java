package saelab.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The saelab command: one entry point, one subcommand per job. */
@Command(name = "saelab", mixinStandardHelpOptions = true, version = "saelab 0.1.0",
        description = "A pure-JVM lab for sparse autoencoders on language models.",
        subcommands = {ExperimentCommand.class, TrainCommand.class, SweepCommand.class, HarvestCommand.class,
                GenModelCommand.class, CompleteCommand.class, BenchCommand.class,
                ProbeCommand.class, AbsorptionCommand.class})
public final class Main implements Runnable {
    public static void main(String[] args) {
        CommandLine cl = new CommandLine(new Main());
        TrainCommand.installHelp(cl.getSubcommands().get("train"));
        System.exit(cl.execute(args));
    }

    @Override public void run() {
        new CommandLine(this).usage(System.out);
    }
}
