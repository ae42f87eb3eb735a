package saelab.cli;

import picocli.CommandLine.Command;

/** Benchmarks that print tables with ratios against a reference measured in the same run. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks: measured here, in the same run as their reference.",
        subcommands = {BenchGemmCommand.class, BenchGemmaCommand.class, BenchTrainCommand.class, BenchMemoryCommand.class})
public final class BenchCommand implements Runnable {
    @Override public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }
}
