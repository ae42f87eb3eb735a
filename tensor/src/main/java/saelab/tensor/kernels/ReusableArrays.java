package saelab.tensor.kernels;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Float and int arrays by exact length, handed out and given back so that a loop of same-shaped
 * calls (a training step) reuses the same storage instead of allocating it afresh each time: at
 * a 2 MB+ array the allocation itself is cheap, but under G1 each one is a humongous region and
 * under any collector a growing heap touches fresh pages (page faults cost more than the work).
 *
 * <p>Taking: {@link #floatsZeroed} and {@link #intsZeroed} are all zeros, as {@code new} would be;
 * {@link #floats} and {@link #ints} hold whatever the last user left, for callers that overwrite
 * every element before reading it. Giving back ({@link #give}) is a promise that the caller, and
 * everything it handed the array to, never reads or writes it again: the next taker owns it.
 * Giving back an array twice, or one the pool already holds, is refused (two takers would then
 * share it). Kernels give their temporaries back in finally blocks; an array never given back is
 * simply garbage.
 *
 * <p>Retention is bounded by a byte cap on the arrays held idle (arrays out on loan do not
 * count): when a given-back array does not fit, the lengths used (given or taken) least
 * recently are dropped first, so a run that changes shapes ends up holding its current shapes' arrays and
 * never more than the cap. The shared pool's cap is {@value #DEFAULT_CAP_MIB} MiB, or the system
 * property {@code saelab.reusableArrays.capMiB} (0 turns reuse off): a TopK step at d 2304,
 * m 16384, batch 2048 cycles about 170 MB through it.
 *
 * <p>{@link Scope}: arrays that must outlive the call that takes them but not the caller's unit
 * of work (a training step's forward outputs, read again by its backward) are taken with
 * {@link #scopedFloatsZeroed}, {@link #scopedFloats} and their int forms: inside a scope the calling
 * thread opened they come from the pool and go back when the scope closes; with no scope open they
 * are plain new arrays that nobody ever gives back, so code outside such a unit (evaluation, tests,
 * users) can keep whatever it is handed.
 *
 * <p>Thread-safe: every method may be called from any thread (kernels take tile buffers inside
 * parallel tasks). A scope belongs to the thread that opened it.
 */
public final class ReusableArrays {
    /** The shared pool's default cap on idle bytes. */
    public static final int DEFAULT_CAP_MIB = 512;

    private static final ReusableArrays SHARED = new ReusableArrays(capFromProperty());

    private static long capFromProperty() {
        String v = System.getProperty("saelab.reusableArrays.capMiB");
        if (v == null) return (long) DEFAULT_CAP_MIB << 20;
        try {
            long mib = Long.parseLong(v.trim());
            if (mib >= 0) return mib << 20;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("saelab.reusableArrays.capMiB is \"" + v + "\", expected a whole number of MiB ≥ 0");
    }

    /** The pool the kernels and autograd use. */
    public static ReusableArrays shared() { return SHARED; }

    private long capBytes;
    /** Idle arrays by kind and length (key: length for floats, −1 − length for ints), least recently used first. */
    private final LinkedHashMap<Long, ArrayDeque<Object>> idle = new LinkedHashMap<>(16, 0.75f, true);
    /** The idle arrays themselves, to refuse a second give of one. */
    private final IdentityHashMap<Object, Boolean> held = new IdentityHashMap<>();
    private long idleBytes;
    private long reused;

    /** A pool holding at most {@code capBytes} bytes of idle arrays (0: it holds none). */
    public ReusableArrays(long capBytes) {
        if (capBytes < 0) throw new IllegalArgumentException("reusable arrays: a cap of " + capBytes + " bytes, expected ≥ 0");
        this.capBytes = capBytes;
    }

    public synchronized long capBytes() { return capBytes; }

    /**
     * Changes the cap on idle bytes, dropping idle arrays (least recently used lengths first) until
     * they fit; 0 turns reuse off: every take then allocates, as plain {@code new} would.
     */
    public synchronized void capBytes(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("reusable arrays: a cap of " + bytes + " bytes, expected ≥ 0");
        capBytes = bytes;
        makeRoom(0);
    }

    /** Bytes of the arrays held idle now (never above {@link #capBytes}). */
    public synchronized long idleBytes() { return idleBytes; }

    /** How many takes were served from held arrays so far (the rest were allocated). */
    public synchronized long reusedCount() { return reused; }

    /** A float array of exactly n elements, all zero. */
    public float[] floatsZeroed(int n) {
        float[] a = (float[]) takeHeld(n, false);
        if (a == null) return new float[n];
        Arrays.fill(a, 0f);
        return a;
    }

    /** A float array of exactly n elements with unspecified contents: the caller writes every element before reading it. */
    public float[] floats(int n) {
        float[] a = (float[]) takeHeld(n, false);
        return a == null ? new float[n] : a;
    }

    /** An int array of exactly n elements, all zero. */
    public int[] intsZeroed(int n) {
        int[] a = (int[]) takeHeld(n, true);
        if (a == null) return new int[n];
        Arrays.fill(a, 0);
        return a;
    }

    /** An int array of exactly n elements with unspecified contents: the caller writes every element before reading it. */
    public int[] ints(int n) {
        int[] a = (int[]) takeHeld(n, true);
        return a == null ? new int[n] : a;
    }

    /** Gives back an array taken here or anywhere else (null: nothing); the caller never touches it again. */
    public void give(float[] a) {
        if (a != null) giveHeld(a, a.length, false);
    }

    /** As {@link #give(float[])}, for int arrays. */
    public void give(int[] a) {
        if (a != null) giveHeld(a, a.length, true);
    }

    /**
     * Fills every idle float array with NaN and every idle int array with {@link Integer#MIN_VALUE}:
     * a debugging aid (tests use it) that makes whoever still reads an array after giving it back
     * see garbage at once instead of, one day, another user's values.
     */
    public synchronized void poisonIdle() {
        for (ArrayDeque<Object> q : idle.values()) {
            for (Object a : q) poison(a);
        }
    }

    private boolean poisonOnGive;

    /**
     * While on, every array is poisoned as {@link #poisonIdle} does the moment it is given back
     * (kept or not): a debugging aid that makes a read after an early give show at once, within
     * the same unit of work. Off by default; it costs a fill per give.
     */
    public synchronized void poisonOnGive(boolean on) { poisonOnGive = on; }

    private static void poison(Object a) {
        if (a instanceof float[] f) Arrays.fill(f, Float.NaN);
        else Arrays.fill((int[]) a, Integer.MIN_VALUE);
    }

    private static long key(int n, boolean ints) { return ints ? -1L - n : n; }

    private static long bytes(int n) { return 4L * n; }

    private synchronized Object takeHeld(int n, boolean ints) {
        if (n < 0) throw new IllegalArgumentException("reusable arrays: a length of " + n + ", expected ≥ 0");
        ArrayDeque<Object> q = idle.get(key(n, ints));
        if (q == null || q.isEmpty()) return null;
        Object a = q.pop();
        if (q.isEmpty()) idle.remove(key(n, ints));
        held.remove(a);
        idleBytes -= bytes(n);
        reused++;
        return a;
    }

    private synchronized void giveHeld(Object a, int n, boolean ints) {
        if (held.containsKey(a)) {
            throw new IllegalStateException("reusable arrays: an array of " + n + (ints ? " ints" : " floats") + " was given back twice");
        }
        if (poisonOnGive) poison(a);
        long b = bytes(n);
        if (b > capBytes) return;
        makeRoom(b);
        idle.computeIfAbsent(key(n, ints), x -> new ArrayDeque<>()).push(a);
        held.put(a, Boolean.TRUE);
        idleBytes += b;
    }

    /** Drops idle arrays, the lengths used least recently (the access order's eldest) first, until b more bytes fit under the cap. */
    private void makeRoom(long b) {
        for (Iterator<Map.Entry<Long, ArrayDeque<Object>>> it = idle.entrySet().iterator(); idleBytes + b > capBytes && it.hasNext(); ) {
            Map.Entry<Long, ArrayDeque<Object>> e = it.next();
            ArrayDeque<Object> q = e.getValue();
            long each = bytes(e.getKey() < 0 ? (int) (-1L - e.getKey()) : (int) (long) e.getKey());
            while (idleBytes + b > capBytes && !q.isEmpty()) {
                held.remove(q.pollLast());
                idleBytes -= each;
            }
            if (q.isEmpty()) it.remove();
        }
    }

    // ---------------------------------------------------------------- scopes

    private static final ThreadLocal<Scope> OPEN = new ThreadLocal<>();

    /**
     * Opens a scope on the calling thread (scopes nest: the inner one closes first); close it in a
     * try-with-resources block. Arrays taken with the scoped methods ({@link #scopedFloats}, ...) inside
     * it go back to this pool when it closes.
     */
    public Scope openScope() {
        Scope s = new Scope(this, OPEN.get(), Thread.currentThread());
        OPEN.set(s);
        return s;
    }

    /**
     * A float array of n zeros that lives until the calling thread's open scope closes (from its
     * pool), or a new array when no scope is open.
     */
    public static float[] scopedFloatsZeroed(int n) {
        Scope s = OPEN.get();
        if (s == null) return new float[n];
        float[] a = s.pool.floatsZeroed(n);
        s.floats.add(a);
        return a;
    }

    /** {@link #scopedFloatsZeroed} with unspecified contents: the caller writes every element before reading it. */
    public static float[] scopedFloats(int n) {
        Scope s = OPEN.get();
        if (s == null) return new float[n];
        float[] a = s.pool.floats(n);
        s.floats.add(a);
        return a;
    }

    /** {@link #scopedFloatsZeroed} for an int array of n zeros. */
    public static int[] scopedIntsZeroed(int n) {
        Scope s = OPEN.get();
        if (s == null) return new int[n];
        int[] a = s.pool.intsZeroed(n);
        s.ints.add(a);
        return a;
    }

    /** {@link #scopedIntsZeroed} with unspecified contents: the caller writes every element before reading it. */
    public static int[] scopedInts(int n) {
        Scope s = OPEN.get();
        if (s == null) return new int[n];
        int[] a = s.pool.ints(n);
        s.ints.add(a);
        return a;
    }

    /** Whether the calling thread has a scope open (its scoped arrays will be reused after it closes). */
    public static boolean inScope() { return OPEN.get() != null; }

    /** A unit of work whose scoped arrays return to the pool when it closes. */
    public static final class Scope implements AutoCloseable {
        private final ReusableArrays pool;
        private final Scope outer;
        private final Thread owner;
        private final java.util.ArrayList<float[]> floats = new java.util.ArrayList<>();
        private final java.util.ArrayList<int[]> ints = new java.util.ArrayList<>();
        private boolean closed;

        private Scope(ReusableArrays pool, Scope outer, Thread owner) {
            this.pool = pool;
            this.outer = outer;
            this.owner = owner;
        }

        /** Gives back every array taken in this scope; nothing may read them afterwards. */
        @Override public void close() {
            if (closed) return;
            if (Thread.currentThread() != owner || OPEN.get() != this) {
                throw new IllegalStateException("reusable arrays: a scope closed on another thread or before the scope opened inside it");
            }
            closed = true;
            OPEN.set(outer);
            for (float[] a : floats) pool.give(a);
            for (int[] a : ints) pool.give(a);
            floats.clear();
            ints.clear();
        }
    }
}
