package saelab.model;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The text of a JSON file (config.json, model.safetensors.index.json) decoded as UTF-8 strictly,
 * as Hugging Face reads them ({@code open(f, encoding="utf-8")} then {@code json.loads}).
 *
 * <p>Why not hand Jackson the bytes: it guesses the encoding from the first bytes, so a UTF-16 or
 * UTF-32 file was read as if fine, and a file in Latin-1 or another 8-bit encoding either failed
 * deep in the parser or, inside a string, could decode to other text. Here a byte-order mark, a
 * NUL byte (UTF-16/32 text of ASCII has one in every character) or a byte sequence that is not
 * UTF-8 is one clear error naming the offset.
 */
public final class Utf8Text {
    private Utf8Text() {}

    /** Bytes that are not UTF-8 text; the message says what was found and where (the caller adds the file). */
    public static final class NotUtf8 extends Exception {
        NotUtf8(String message) {
            super(message);
        }
    }

    public static String decode(byte[] bytes) throws NotUtf8 {
        if (startsWith(bytes, 0x00, 0x00, 0xFE, 0xFF) || startsWith(bytes, 0xFF, 0xFE, 0x00, 0x00)) {
            throw new NotUtf8("starts with a UTF-32 byte-order mark: the file is UTF-32; expected UTF-8 (save it as UTF-8)");
        }
        if (startsWith(bytes, 0xFE, 0xFF) || startsWith(bytes, 0xFF, 0xFE)) {
            throw new NotUtf8("starts with a UTF-16 byte-order mark: the file is UTF-16; expected UTF-8 (save it as UTF-8)");
        }
        if (startsWith(bytes, 0xEF, 0xBB, 0xBF)) {
            throw new NotUtf8("starts with a UTF-8 byte-order mark, which JSON does not allow (Python's json refuses it too); save it without one");
        }
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                throw new NotUtf8("has a NUL byte at offset " + i + ": UTF-16 or UTF-32 text, or not text at all; expected UTF-8");
            }
        }
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult r = utf8.decode(in, out, true);
        if (r.isError()) {
            int at = in.position();
            StringBuilder seq = new StringBuilder();
            for (int i = at; i < Math.min(bytes.length, at + r.length()); i++) seq.append(String.format(" 0x%02X", bytes[i] & 0xFF));
            throw new NotUtf8("is not UTF-8: byte" + (r.length() > 1 ? "s" : "") + seq + " at offset " + at
                    + " do" + (r.length() > 1 ? "" : "es") + " not form a UTF-8 character (Latin-1 or another 8-bit encoding?); expected UTF-8");
        }
        try {
            r = utf8.flush(out);
            if (r.isError()) r.throwException();
        } catch (CharacterCodingException e) {
            throw new NotUtf8("is not UTF-8: it ends inside a character; expected UTF-8");
        }
        return out.flip().toString();
    }

    private static boolean startsWith(byte[] b, int... prefix) {
        if (b.length < prefix.length) return false;
        for (int i = 0; i < prefix.length; i++) if ((b[i] & 0xFF) != prefix[i]) return false;
        return true;
    }
}
