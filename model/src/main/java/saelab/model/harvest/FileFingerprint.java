package saelab.model.harvest;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Size and SHA-256 of a file: enough to tell, when a harvest resumes, that the data (or the
 * model's config and tokenizer) are byte for byte the ones it began with.
 */
public record FileFingerprint(long bytes, String sha256) {

    public static FileFingerprint of(Path file) {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        long bytes = 0;
        byte[] buf = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                digest.update(buf, 0, n);
                bytes += n;
            }
        } catch (IOException e) {
            throw new HarvestException(file + ": cannot read: " + saelab.model.IoErrors.reason(e), e);
        }
        return new FileFingerprint(bytes, HexFormat.of().formatHex(digest.digest()));
    }

    @Override
    public String toString() {
        return bytes + " bytes, sha256 " + sha256;
    }
}
