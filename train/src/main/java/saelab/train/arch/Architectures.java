package saelab.train.arch;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The registry of SAE architectures: the built-ins in help order, plus any a test or plugin
 * {@link #register}s. A new architecture is one class and one line in {@link #BUILT_IN}.
 */
public final class Architectures {
    private Architectures() {}

    private static final List<SaeArchitecture> BUILT_IN = List.of(
            TopKArchitecture.INSTANCE,
            StandardArchitecture.INSTANCE,
            JumpReluArchitecture.INSTANCE,
            GatedArchitecture.INSTANCE,
            BatchTopKArchitecture.INSTANCE,
            MatryoshkaBatchTopKArchitecture.INSTANCE);

    private static final List<SaeArchitecture> REGISTERED = new CopyOnWriteArrayList<>(BUILT_IN);

    /** Adds an architecture (its name and aliases must be new); returns it. */
    public static synchronized SaeArchitecture register(SaeArchitecture a) {
        for (String n : names(a)) {
            SaeArchitecture known = find(n);
            if (known != null && known != a) throw new IllegalArgumentException("SAE architecture name '" + n + "' is taken by " + known.name());
        }
        if (!REGISTERED.contains(a)) REGISTERED.add(a);
        return a;
    }

    /** Every architecture, built-ins first. */
    public static List<SaeArchitecture> all() { return List.copyOf(REGISTERED); }

    /** The architecture of this name or alias (case and surrounding blanks ignored); one line listing the known names otherwise. */
    public static SaeArchitecture byName(String name) {
        SaeArchitecture a = name == null ? null : find(name);
        if (a == null) {
            throw new IllegalArgumentException("SAE architecture '" + name + "' is unknown; known: " + String.join(", ", knownNames()));
        }
        return a;
    }

    /** Names and aliases, e.g. "topk", "standard (relu)". */
    public static List<String> knownNames() {
        List<String> out = new ArrayList<>();
        for (SaeArchitecture a : REGISTERED) out.add(a.aliases().isEmpty() ? a.name() : a.name() + " (" + String.join(", ", a.aliases()) + ")");
        return out;
    }

    private static SaeArchitecture find(String name) {
        String n = name.strip().toLowerCase(Locale.ROOT);
        for (SaeArchitecture a : REGISTERED) if (names(a).contains(n)) return a;
        return null;
    }

    private static List<String> names(SaeArchitecture a) {
        List<String> n = new ArrayList<>();
        n.add(a.name().toLowerCase(Locale.ROOT));
        for (String s : a.aliases()) n.add(s.toLowerCase(Locale.ROOT));
        return n;
    }
}
