package saelab.eval.report;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A line chart as inline SVG (no script, no external file): one polyline per series, axes with
 * their range, a legend. Well-formed XML, so the page it sits in parses as XHTML too.
 */
public final class SvgChart {
    private SvgChart() {}

    private static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
            "#bcbd22", "#17becf"};
    private static final int W = 460, H = 240, LEFT = 58, RIGHT = 12, TOP = 24, BOTTOM = 30;

    /** @param series name → points (x, y) */
    public static String lines(String title, String xLabel, Map<String, List<double[]>> series) {
        double x0 = Double.POSITIVE_INFINITY, x1 = Double.NEGATIVE_INFINITY, y0 = Double.POSITIVE_INFINITY, y1 = Double.NEGATIVE_INFINITY;
        for (List<double[]> s : series.values()) {
            for (double[] p : s) {
                x0 = Math.min(x0, p[0]); x1 = Math.max(x1, p[0]);
                y0 = Math.min(y0, p[1]); y1 = Math.max(y1, p[1]);
            }
        }
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" class=\"chart\">", W, H, W, H));
        b.append("<text x=\"").append(LEFT).append("\" y=\"16\" font-size=\"13\" font-weight=\"bold\">").append(HtmlReport.escape(title)).append("</text>");
        if (x0 > x1) return b.append("<text x=\"").append(LEFT).append("\" y=\"120\" font-size=\"12\">no points yet</text></svg>").toString();
        if (x1 == x0) x1 = x0 + 1;
        if (y1 == y0) { y1 = y0 + Math.max(1e-12, Math.abs(y0) * 0.05); y0 -= (y1 - y0); }
        int pw = W - LEFT - RIGHT, ph = H - TOP - BOTTOM;
        b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#999\"/>", LEFT, TOP, pw, ph));
        b.append(label(4, TOP + 10, y1)).append(label(4, TOP + ph, y0));
        b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\">%s</text>", LEFT, H - 8, fmt(x0)));
        b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\">%s %s</text>", W - RIGHT, H - 8,
                HtmlReport.escape(xLabel), fmt(x1)));
        int c = 0, legendY = TOP + 14;
        for (var e : series.entrySet()) {
            String color = COLORS[c++ % COLORS.length];
            StringBuilder pts = new StringBuilder();
            for (double[] p : e.getValue()) {
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", LEFT + pw * (p[0] - x0) / (x1 - x0), TOP + ph * (1 - (p[1] - y0) / (y1 - y0))));
            }
            b.append("<polyline fill=\"none\" stroke-width=\"1.5\" stroke=\"").append(color).append("\" points=\"").append(pts.toString().strip())
                    .append("\"><title>").append(HtmlReport.escape(e.getKey())).append("</title></polyline>");
            if (series.size() > 1 && c <= 12) {
                b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"10\" fill=\"%s\" text-anchor=\"end\">%s</text>",
                        W - RIGHT - 4, legendY, color, HtmlReport.escape(e.getKey())));
                legendY += 12;
            }
        }
        return b.append("</svg>").toString();
    }

    private static String label(int x, int y, double v) {
        return String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\">%s</text>", x, y, fmt(v));
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v != 0) ? "%.3g" : "%.4g", v);
    }
}
