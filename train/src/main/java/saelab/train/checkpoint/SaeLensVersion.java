package saelab.train.checkpoint;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * SAELens picks its cfg.json layout by {@code Version(sae_lens_version) < Version("6.0.0-rc.0")} (PEP 440):
 * this answers the same question for the version strings PEP 440 accepts, so saelab reads a file with the
 * layout SAELens would.
 */
final class SaeLensVersion {
    private SaeLensVersion() {}

    // release, optional pre-release (a/b/rc and spellings), optional post, optional dev, optional local part
    private static final Pattern PEP440 = Pattern.compile(
            "v?(\\d+(?:\\.\\d+)*)"
                    + "(?:[-_.]?(a|alpha|b|beta|c|rc|pre|preview)[-_.]?(\\d*))?"
                    + "(?:[-_.]?(post|rev|r)[-_.]?(\\d*))?"
                    + "(?:[-_.]?(dev)[-_.]?(\\d*))?"
                    + "(?:\\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?");

    /** Whether {@code version} ≥ 6.0.0rc0; an error if it is no PEP 440 version. */
    static boolean atLeast6(String version) {
        Matcher m = PEP440.matcher(version.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) throw new IllegalArgumentException("'" + version + "' is not a version number (expected e.g. 6.18.0)");
        String[] release = m.group(1).split("\\.");
        int[] r = new int[3];
        for (int i = 0; i < release.length; i++) {
            long part = Long.parseLong(release[i].length() > 9 ? "999999999" : release[i]);
            if (i < 3) r[i] = (int) part;
            else if (part > 0 && r[0] == 6 && r[1] == 0 && r[2] == 0) return true; // 6.0.0.1 > 6.0.0
        }
        if (r[0] != 6) return r[0] > 6;
        if (r[1] > 0 || r[2] > 0) return true;
        // release 6.0.0: final, post and rc releases are ≥ 6.0.0rc0; alpha, beta and dev releases are below it
        String pre = m.group(2);
        boolean dev = m.group(6) != null;
        if (pre == null) return !dev || m.group(4) != null; // 6.0.0.dev1 < rc0; 6.0.0.post1.dev0 > rc0
        boolean rc = pre.equals("rc") || pre.equals("c") || pre.equals("pre") || pre.equals("preview");
        if (!rc) return false;
        // 6.0.0rc0.dev1 < 6.0.0rc0; any later rc, or rc0 itself, is not
        int n = m.group(3).isEmpty() ? 0 : Integer.parseInt(m.group(3));
        return n > 0 || !dev || m.group(4) != null;
    }
}
