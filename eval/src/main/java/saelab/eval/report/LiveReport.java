package saelab.eval.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import saelab.model.AtomicFiles;

/**
 * A self-contained HTML page of training curves kept up to date while a job runs: a daemon thread
 * re-reads the runs' log.jsonl every few seconds and rewrites the page atomically (a browser never
 * sees half a file); no server, the page reloads itself while the job runs. Closing it writes the
 * final page (without the reload). Curves: loss and its terms, L0, explained variance, the
 * penalty term, λ2 and the threshold over steps; one line per run on an experiment's page.
 */
public final class LiveReport implements AutoCloseable {
    /** Seconds between refreshes (the page reloads at the same pace). */
    public static final long DEFAULT_PERIOD_MS = 3000;

    private final Path page;
    private final String title;
    private final Supplier<List<RunCurves>> runs;
    private final java.util.function.BooleanSupplier started;
    private final ScheduledExecutorService timer;
    private final long periodMs;
    private volatile int writes;

    /** @param started whether the job has begun writing logs: no page before (so it never lands in a folder a run then refuses or clears) */
    private LiveReport(Path page, String title, java.util.function.BooleanSupplier started, Supplier<List<RunCurves>> runs, long periodMs) {
        this.page = page;
        this.started = started;
        this.title = title;
        this.runs = runs;
        this.periodMs = periodMs;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "saelab-live-report");
            t.setDaemon(true); // never keeps the JVM alive
            return t;
        });
        timer.scheduleWithFixedDelay(() -> write(true), 0, periodMs, TimeUnit.MILLISECONDS);
    }

    /** One training run's page, {@code dir/report.html}, from {@code dir/log.jsonl}. */
    public static LiveReport forRun(Path dir) {
        return forRun(dir, DEFAULT_PERIOD_MS);
    }

    public static LiveReport forRun(Path dir, long periodMs) {
        return new LiveReport(dir.resolve("report.html"), "saelab train: " + dir.getFileName(), () -> Files.exists(dir.resolve("log.jsonl")),
                () -> List.of(RunCurves.read(String.valueOf(dir.getFileName()), dir.resolve("log.jsonl"))), periodMs);
    }

    /** An experiment's page, {@code out/live.html}, from every {@code out/runs/<run>/log.jsonl}. */
    public static LiveReport forExperiment(Path out) {
        return forExperiment(out, DEFAULT_PERIOD_MS);
    }

    public static LiveReport forExperiment(Path out, long periodMs) {
        return new LiveReport(out.resolve("live.html"), "saelab experiment: " + out.getFileName(), () -> Files.isDirectory(out.resolve("runs")), () -> {
            List<RunCurves> list = new ArrayList<>();
            Path runs = out.resolve("runs");
            if (!Files.isDirectory(runs)) return list;
            try (var dirs = Files.list(runs)) {
                for (Path d : dirs.sorted().toList()) list.add(RunCurves.read(d.getFileName().toString(), d.resolve("log.jsonl")));
            } catch (IOException | java.io.UncheckedIOException e) {
                // a run folder appearing or removed this moment: the next refresh lists it
            }
            return list;
        }, periodMs);
    }

    /** Pages written so far. */
    public int writes() { return writes; }

    public Path page() { return page; }

    private synchronized void write(boolean live) {
        if (!started.getAsBoolean()) return;
        try {
            AtomicFiles.write(page, render(title, runs.get(), live, periodMs).getBytes(StandardCharsets.UTF_8));
            writes++;
        } catch (RuntimeException e) {
            // A page that cannot be written this time (disk full, folder being replaced) must not stop the training.
        }
    }

    /** The page: one chart per curve, the runs' lines in each. */
    static String render(String title, List<RunCurves> runs, boolean live, long periodMs) {
        long last = runs.stream().mapToLong(RunCurves::lastStep).max().orElse(0);
        StringBuilder b = new StringBuilder("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\"><head><meta charset=\"utf-8\"/>");
        if (live) b.append("<meta http-equiv=\"refresh\" content=\"").append(Math.max(1, periodMs / 1000)).append("\"/>");
        b.append("<title>").append(HtmlReport.escape(title)).append("</title><style>body{font-family:sans-serif;margin:1.5em;color:#222}"
                + ".chart{margin:6px;border:1px solid #eee}</style></head><body>\n");
        b.append("<h1>").append(HtmlReport.escape(title)).append("</h1>\n<p id=\"status\" data-step=\"").append(last).append("\">")
                .append(live ? "Running" : "Finished").append(": step ").append(last).append(", ").append(runs.size()).append(runs.size() == 1 ? " run" : " runs")
                .append("; page written ").append(Instant.now()).append(live ? " (reloads every few seconds)" : "").append(".</p>\n<div>");
        boolean single = runs.size() == 1;
        if (single) {
            // One run: its loss and the terms that make it up in one chart.
            Map<String, List<double[]>> loss = new LinkedHashMap<>();
            for (String k : List.of("loss", "recon_loss", "auxk_loss", "l1_loss", "penalty_term")) {
                List<double[]> s = runs.getFirst().series().get(k);
                if (s != null) loss.put(k, s);
            }
            b.append(SvgChart.lines("loss and its terms", "step", loss));
        } else {
            b.append(chart("loss", "loss", runs));
        }
        b.append(chart("L0 (active latents per row)", "l0", runs));
        b.append(chart("explained variance", "explained_variance", runs));
        b.append(chart("co-firing penalty term", "penalty_term", runs));
        b.append(chart("λ2 (penalty weight)", "lambda2", runs));
        b.append(chart("threshold", "threshold", runs));
        return b.append("</div>\n</body></html>\n").toString();
    }

    private static String chart(String title, String key, List<RunCurves> runs) {
        Map<String, List<double[]>> series = new LinkedHashMap<>();
        for (RunCurves r : runs) {
            List<double[]> s = r.series().get(key);
            if (s != null) series.put(r.name(), s);
        }
        return SvgChart.lines(title, "step", series);
    }

    /** Stops the refreshes and writes the final page. */
    @Override public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        write(false);
    }
}
