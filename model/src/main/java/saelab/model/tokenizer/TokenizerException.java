package saelab.model.tokenizer;

/** A tokenizer.json that cannot be used as read; the message names the file and the part at fault. */
public class TokenizerException extends RuntimeException {
    public TokenizerException(String message) {
        super(message);
    }
}
