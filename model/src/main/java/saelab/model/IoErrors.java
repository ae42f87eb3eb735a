package saelab.model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Failed file operations in words a user reads, not Java's: "no such file or folder" for
 * {@link NoSuchFileException} (whose own message is just the path), "permission denied", "not a
 * folder", and the operating system's reason for the rest. {@link #plain} also rewrites a message
 * that already embeds an exception's name ("…: java.nio.file.NoSuchFileException: /x").
 */
public final class IoErrors {
    private IoErrors() {}

    /** What went wrong, without the path (the caller names it): e.g. "no such file or folder". */
    public static String reason(IOException e) {
        String why = switch (e) {
            case NoSuchFileException x -> "no such file or folder";
            case AccessDeniedException x -> "permission denied";
            case NotDirectoryException x -> "not a folder";
            case DirectoryNotEmptyException x -> "the folder is not empty";
            case FileAlreadyExistsException x -> "already exists";
            case FileSystemException x -> x.getReason() != null ? x.getReason() : "cannot access";
            default -> e.getMessage() != null ? plain(e.getMessage()) : "input/output error";
        };
        return why.isBlank() ? "input/output error" : why;
    }

    /** The path and the reason, e.g. "/data/x.txt: no such file or folder". */
    public static String describe(IOException e) {
        if (e instanceof FileSystemException f && f.getFile() != null) {
            String other = f.getOtherFile() != null ? " → " + f.getOtherFile() : "";
            return f.getFile() + other + ": " + reason(e);
        }
        return reason(e);
    }

    /** {@link #describe} of the I/O error inside, with the wrapper's own words before it when it has any. */
    public static String describe(UncheckedIOException e) {
        String inner = describe(e.getCause());
        String msg = e.getMessage();
        if (msg == null || msg.equals(e.getCause().toString())) return inner;
        String outer = plain(msg);
        return outer.contains(inner) ? outer : outer + " (" + inner + ")";
    }

    private static final Pattern CLASS_NAME = Pattern.compile("(?:[a-z][a-z0-9_]*\\.)+([A-Z][A-Za-z0-9_]*(?:Exception|Error))(?::\\s*)?");
    private static final Map<String, String> WORDS = Map.of("NoSuchFileException", "no such file or folder: ",
            "AccessDeniedException", "permission denied: ", "NotDirectoryException", "not a folder: ",
            "FileAlreadyExistsException", "already exists: ", "DirectoryNotEmptyException", "folder not empty: ",
            "EOFException", "unexpected end of file: ");

    /** {@code message} with embedded exception class names replaced by what they mean. */
    public static String plain(String message) {
        if (message == null) return "";
        Matcher m = CLASS_NAME.matcher(message);
        StringBuilder out = new StringBuilder();
        while (m.find()) m.appendReplacement(out, Matcher.quoteReplacement(WORDS.getOrDefault(m.group(1), "")));
        m.appendTail(out);
        return out.toString().replace("For input string: ", "not a number: ").strip();
    }
}
