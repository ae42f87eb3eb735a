package saelab.model.harvest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static saelab.model.Props.qt;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SequencePackerTest {
    static final int B = 2; // <bos>

    static SequencePacker packer(int context, int[]... docs) {
        return new SequencePacker(List.of(docs).iterator(), context, B);
    }

    @Test
    void documentsAreConcatenatedAndEverySequenceStartsWithBos() {
        // stream: B 10 11 | B 20 21 22 23 24 | B 30   (context 4)
        SequencePacker p = packer(4, new int[] {B, 10, 11}, new int[] {B, 20, 21, 22, 23, 24}, new int[] {B, 30});
        assertArrayEquals(new int[] {B, 10, 11, B}, p.next(), "two documents share a sequence, separated by their own <bos>");
        assertArrayEquals(new int[] {B, 20, 21, 22}, p.next(), "a <bos> is inserted: the stream continues inside a document");
        assertArrayEquals(new int[] {B, 23, 24, B}, p.next());
        assertNull(p.next(), "the tail (30) cannot fill a sequence and is dropped");
        assertNull(p.next());
        assertEquals(3, p.produced());
    }

    @Test
    void noDoubleBosWhenTheStreamAlreadyHasOneAtTheCut() {
        // stream: B 1 2 B | B 3 4 5  → the second sequence starts at a <bos> of the stream: nothing inserted.
        SequencePacker p = packer(4, new int[] {B, 1, 2}, new int[] {B, 3, 4, 5});
        assertArrayEquals(new int[] {B, 1, 2, B}, p.next());
        assertArrayEquals(new int[] {B, 3, 4, 5}, p.next(), "the cut fell on the <bos> of document 2 but it was used; a fresh one is inserted");
    }

    @Test
    void aLongDocumentContinuesBehindFreshBosAndSkipMatchesNext() {
        int[] doc = new int[1 + 10];
        doc[0] = B;
        for (int i = 1; i < doc.length; i++) doc[i] = 100 + i;
        SequencePacker p = packer(3, doc);
        assertArrayEquals(new int[] {B, 101, 102}, p.next());
        assertArrayEquals(new int[] {B, 103, 104}, p.next());
        SequencePacker q = packer(3, doc);
        assertEquals(2, q.skip(2));
        assertArrayEquals(p.next(), q.next(), "skip(n) leaves the packer where n calls of next() would");
        assertEquals(5 - 3, q.skip(100), "skip reports how many sequences there were");
    }

    /**
     * Oracle: walk the concatenated stream; each sequence is the stream's next `context` tokens
     * when they begin with <bos>, else <bos> and the next `context − 1`. Sequences stop when the
     * stream cannot fill one.
     *
     * <p>0 to 10 documents of <bos> and 0 to 14 tokens from 0..9, so a body may hold a <bos> (2)
     * of its own, which the stream treats like any other; context 2 (the least allowed) to 9.
     */
    @Test
    void packingIsTheStreamCutWithBosAtEachStart() {
        qt(7001, 300).forAll(lists().of(lists().of(integers().between(0, 9)).ofSizeBetween(0, 14)).ofSizeBetween(0, 10),
                integers().between(2, 9)).checkAssert((bodies, context) -> {
            List<int[]> docs = new ArrayList<>();
            List<Integer> stream = new ArrayList<>();
            for (List<Integer> body : bodies) {
                int[] d = new int[body.size() + 1];
                d[0] = B;
                stream.add(B);
                for (int i = 0; i < body.size(); i++) { d[i + 1] = body.get(i); stream.add(body.get(i)); }
                docs.add(d);
            }
            SequencePacker p = new SequencePacker(docs.iterator(), context, B);
            int at = 0;
            while (true) {
                int need = at < stream.size() && stream.get(at) == B ? context : context - 1;
                if (at + need > stream.size()) {
                    assertNull(p.next(), "no sequence once the stream has fewer than " + need + " tokens left");
                    return;
                }
                int[] expected = new int[context];
                int k = 0;
                if (need < context) expected[k++] = B;
                for (int i = 0; i < need; i++) expected[k++] = stream.get(at + i);
                at += need;
                assertArrayEquals(expected, p.next());
            }
        });
    }
}
