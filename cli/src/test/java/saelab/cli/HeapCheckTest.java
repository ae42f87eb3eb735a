package saelab.cli;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HeapCheckTest {
    @Test
    void halfTheHeapFitsAndOneByteMoreDoesNot() {
        long heap = 512L << 20;
        assertNull(HeapCheck.tooLarge("x", heap / 2, heap));
        String message = HeapCheck.tooLarge("the logits of a 512-token pass", heap / 2 + 1, heap);
        assertTrue(message != null && message.startsWith("the logits of a 512-token pass needs 268 MB"), message);
        // The suggestion must itself pass the check: 4× the request is twice what half the new heap must hold.
        long suggested = Long.parseLong(message.replaceAll(".*-Xmx(\\d+)m$", "$1")) << 20;
        assertNull(HeapCheck.tooLarge("x", heap / 2 + 1, suggested), message);
    }
}
