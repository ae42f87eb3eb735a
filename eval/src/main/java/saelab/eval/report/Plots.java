package saelab.eval.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.knowm.xchart.BitmapEncoder;
import saelab.model.AtomicFiles;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The report's PNG plots, drawn with XChart off-screen (java.awt.headless, so no display is
 * needed), each written atomically: to a temporary file, then renamed.
 */
public final class Plots {
    private Plots() {}

    static { System.setProperty("java.awt.headless", "true"); }

    public static final int WIDTH = 800, HEIGHT = 500;

    /** One line per named series, sharing the x axis (e.g. training step). */
    public static Path lines(Path png, String title, String xLabel, String yLabel, Map<String, double[][]> series, boolean logY) throws IOException {
        return lines(png, title, xLabel, yLabel, series, false, logY, false);
    }

    /**
     * Colours by series name, so that one thing (an experiment's variant) has the same colour in
     * every plot; {@code null} from it leaves XChart's choice.
     */
    public interface Palette extends Function<String, Color> {
        Palette NONE = name -> null;
    }

    /**
     * Lines with bands: each series is {x, centre, low, high}; the centre is drawn solid and the
     * band's edges as thin dashed lines of the same colour, outside the legend (e.g. the mean over
     * seeds and its min–max spread).
     */
    public static Path bands(Path png, String title, String xLabel, String yLabel, Map<String, double[][]> series, boolean logY,
                             Palette palette) throws IOException {
        XYChart c = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xLabel).yAxisTitle(yLabel).build();
        style(c);
        c.getStyler().setYAxisLogarithmic(logY);
        series.forEach((name, xy) -> {
            XYSeries centre = c.addSeries(name, xy[0], xy[1]);
            centre.setMarker(SeriesMarkers.NONE);
            Color colour = palette.apply(name);
            if (colour != null) centre.setLineColor(colour);
            if (xy.length < 4) return;
            for (int edge = 2; edge <= 3; edge++) {
                XYSeries e = c.addSeries(name + (edge == 2 ? " low" : " high"), xy[0], xy[edge]);
                e.setMarker(SeriesMarkers.NONE);
                e.setShowInLegend(false);
                e.setLineStyle(new BasicStroke(0.8f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {3f, 3f}, 0f));
                if (colour != null) e.setLineColor(colour);
            }
        });
        return write(c, png);
    }

    /**
     * Step histograms over shared bin edges (x: each bin's lower edge, one more for the last
     * upper edge) with dashed vertical markers, e.g. co-firing pairs by log10 n_ij with each
     * penalised variant's threshold(p) marked. {@code markers} maps a label to its x; the palette colours
     * markers by label as it does series.
     */
    public static Path stepHistograms(Path png, String title, String xLabel, String yLabel, double[] edges, Map<String, double[]> counts,
                                      Map<String, Double> markers, Palette palette, boolean logY) throws IOException {
        XYChart c = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xLabel)
                .yAxisTitle(logY ? "log10(1 + " + yLabel + ")" : yLabel).build();
        style(c);
        double top = 0;
        for (Map.Entry<String, double[]> e : counts.entrySet()) {
            double[] h = e.getValue();
            double[] xs = new double[2 * h.length], ys = new double[2 * h.length];
            for (int b = 0; b < h.length; b++) {
                xs[2 * b] = edges[b];
                xs[2 * b + 1] = edges[b + 1];
                ys[2 * b] = ys[2 * b + 1] = logY ? Math.log10(1 + h[b]) : h[b];
                top = Math.max(top, ys[2 * b]);
            }
            XYSeries s = c.addSeries(e.getKey(), xs, ys);
            s.setMarker(SeriesMarkers.NONE);
            Color colour = palette.apply(e.getKey());
            if (colour != null) s.setLineColor(colour);
        }
        double height = top > 0 ? top * 1.05 : 1;
        for (Map.Entry<String, Double> m : markers.entrySet()) {
            XYSeries s = c.addSeries(m.getKey(), new double[] {m.getValue(), m.getValue()}, new double[] {0, height});
            s.setMarker(SeriesMarkers.NONE);
            s.setLineStyle(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
            Color colour = palette.apply(m.getKey());
            if (colour != null) s.setLineColor(colour);
        }
        return write(c, png);
    }

    /** Lines with a choice of log axes, and with a marker on each point (for a few points, e.g. accuracy at k = 1, 2, 5, …). */
    public static Path lines(Path png, String title, String xLabel, String yLabel, Map<String, double[][]> series, boolean logX, boolean logY,
                             boolean markers) throws IOException {
        return lines(png, title, xLabel, yLabel, series, logX, logY, markers, Palette.NONE);
    }

    /** Lines coloured by the palette. */
    public static Path lines(Path png, String title, String xLabel, String yLabel, Map<String, double[][]> series, boolean logX, boolean logY,
                             boolean markers, Palette palette) throws IOException {
        XYChart c = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xLabel).yAxisTitle(yLabel).build();
        style(c);
        c.getStyler().setXAxisLogarithmic(logX);
        c.getStyler().setYAxisLogarithmic(logY);
        series.forEach((name, xy) -> {
            var s = c.addSeries(name, xy[0], xy[1]);
            if (!markers) s.setMarker(SeriesMarkers.NONE);
            Color colour = palette.apply(name);
            if (colour != null) { s.setLineColor(colour); s.setMarkerColor(colour); }
        });
        return write(c, png);
    }

    /** Points, one series per name (e.g. the L0 vs explained-variance Pareto view of runs). */
    public static Path scatter(Path png, String title, String xLabel, String yLabel, Map<String, double[][]> series, boolean logX) throws IOException {
        return scatter(png, title, xLabel, yLabel, series, logX, Palette.NONE);
    }

    /** Points, coloured by the palette. */
    public static Path scatter(Path png, String title, String xLabel, String yLabel, Map<String, double[][]> series, boolean logX,
                               Palette palette) throws IOException {
        XYChart c = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xLabel).yAxisTitle(yLabel).build();
        style(c);
        c.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        c.getStyler().setMarkerSize(9);
        c.getStyler().setXAxisLogarithmic(logX);
        series.forEach((name, xy) -> {
            XYSeries s = c.addSeries(name, xy[0], xy[1]);
            Color colour = palette.apply(name);
            if (colour != null) s.setMarkerColor(colour);
        });
        // Explicit, padded ranges: XChart's automatic ones end exactly at the extreme points,
        // where markers are clipped.
        double[] x = range(series, 0), y = range(series, 1);
        if (x != null && y != null) { // with no finite x or y, XChart's own ranges
            if (logX && x[0] > 0) { c.getStyler().setXAxisMin(x[0] / 1.5); c.getStyler().setXAxisMax(x[1] * 1.5); }
            else { double pad = Math.max(1e-9, 0.08 * (x[1] - x[0])); c.getStyler().setXAxisMin(x[0] - pad); c.getStyler().setXAxisMax(x[1] + pad); }
            double pad = Math.max(1e-3 * Math.max(1, Math.abs(y[1])), 0.08 * (y[1] - y[0]));
            c.getStyler().setYAxisMin(y[0] - pad);
            c.getStyler().setYAxisMax(y[1] + pad);
        }
        return write(c, png);
    }

    /**
     * Bar histograms side by side over shared bin labels (e.g. co-firing n_ij per training phase).
     * With {@code logY} the bars show log10(1 + count) on a linear axis (XChart's bar charts
     * cannot draw a log axis), and the axis title says so.
     */
    public static Path histograms(Path png, String title, String xLabel, String yLabel, List<String> bins, Map<String, double[]> series, boolean logY) throws IOException {
        return histograms(png, title, xLabel, yLabel, bins, series, logY, false);
    }

    /** Bars side by side, with the legend inside the plot (top right: for counts that fall off to the right) or outside it. */
    public static Path histograms(Path png, String title, String xLabel, String yLabel, List<String> bins, Map<String, double[]> series, boolean logY,
                                  boolean legendOutside) throws IOException {
        return histograms(png, title, xLabel, yLabel, bins, series, logY, legendOutside, Palette.NONE);
    }

    /** Bars coloured by the palette. */
    public static Path histograms(Path png, String title, String xLabel, String yLabel, List<String> bins, Map<String, double[]> series, boolean logY,
                                  boolean legendOutside, Palette palette) throws IOException {
        String yTitle = logY ? "log10(1 + " + yLabel + ")" : yLabel;
        CategoryChart c = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xLabel).yAxisTitle(yTitle).build();
        c.getStyler().setLegendPosition(legendOutside ? Styler.LegendPosition.OutsideE : Styler.LegendPosition.InsideNE);
        c.getStyler().setOverlapped(false);
        c.getStyler().setXAxisLabelRotation(45);
        c.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        series.forEach((name, counts) -> {
            List<Double> ys = new java.util.ArrayList<>();
            for (double v : counts) ys.add(logY ? Math.log10(1 + v) : v);
            var s = c.addSeries(name, bins, ys);
            Color colour = palette.apply(name);
            if (colour != null) s.setFillColor(colour);
        });
        return write(c, png);
    }

    /** min and max of coordinate {@code axis} over all finite points, or null when there are none. */
    private static double[] range(Map<String, double[][]> series, int axis) {
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (double[][] xy : series.values()) for (double v : xy[axis]) if (Double.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
        return lo <= hi ? new double[] {lo, hi} : null;
    }

    private static void style(XYChart c) {
        // Outside the plot: inside, the legend box hides the points and line ends under it.
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        c.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        c.getStyler().setPlotGridLinesVisible(true);
    }

    private static Path write(Chart<?, ?> chart, Path png) throws IOException {
        var out = new java.io.ByteArrayOutputStream();
        BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
        try {
            AtomicFiles.write(png, out.toByteArray());
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
        return png;
    }
}
