package saelab.eval.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import saelab.model.AtomicFiles;

/**
 * One self-contained HTML page: headings, text, tables and PNG plots embedded as data URIs, so
 * the file opens from disk in any browser with no server and can be mailed as one file.
 * Written atomically (temporary file, then rename).
 */
public final class HtmlReport {
    private final StringBuilder body = new StringBuilder();
    private final String title;

    public HtmlReport(String title) {
        this.title = title;
        body.append("<h1>").append(escape(title)).append("</h1>\n");
    }

    public HtmlReport heading(String text) {
        body.append("<h2>").append(escape(text)).append("</h2>\n");
        return this;
    }

    public HtmlReport paragraph(String text) {
        body.append("<p>").append(escape(text)).append("</p>\n");
        return this;
    }

    /** A table; cells are text (escaped). */
    public HtmlReport table(List<String> header, List<List<String>> rows) {
        body.append("<table>\n<tr>");
        for (String h : header) body.append("<th>").append(escape(h)).append("</th>");
        body.append("</tr>\n");
        for (List<String> row : rows) {
            if (row.size() != header.size()) throw new IllegalArgumentException("table row has " + row.size() + " cells, header " + header.size());
            body.append("<tr>");
            for (String cell : row) body.append("<td>").append(escape(cell)).append("</td>");
            body.append("</tr>\n");
        }
        body.append("</table>\n");
        return this;
    }

    /** Embeds a PNG with a caption. */
    public HtmlReport image(Path png, String caption) throws IOException {
        String data = Base64.getEncoder().encodeToString(Files.readAllBytes(png));
        body.append("<figure><img alt=\"").append(escape(caption)).append("\" src=\"data:image/png;base64,").append(data)
                .append("\"><figcaption>").append(escape(caption)).append("</figcaption></figure>\n");
        return this;
    }

    public String html() {
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + escape(title) + "</title>\n"
                + "<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}"
                + "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #bbb;padding:4px 8px;text-align:right}"
                + "th{background:#eee}td:first-child,th:first-child{text-align:left}img{max-width:100%}"
                + "figure{margin:1.5em 0}figcaption{color:#555;font-size:90%}</style></head><body>\n"
                + body + "</body></html>\n";
    }

    /** Writes the page atomically and readable by all, as every saelab output file ({@link AtomicFiles}). */
    public Path write(Path file) throws IOException {
        try {
            AtomicFiles.write(file, html().getBytes(StandardCharsets.UTF_8));
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
        return file;
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
