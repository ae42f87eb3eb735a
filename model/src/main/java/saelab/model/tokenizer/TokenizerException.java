package saelab.model.tokenizer;

/** A tokenizer.json that cannot be used as read; the message names the file and the part at fault. */
public class TokenizerException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TokenizerException(String message) {
        super(message);
    }
}
