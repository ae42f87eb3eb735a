package saelab.tensor.backend;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;
import java.util.function.Consumer;

/**
 * The process-wide choice of backend. It starts as the CPU; a command selects another once, at
 * start-up, before any kernel runs ({@code --backend cpu|tornado|auto}).
 */
public final class Backends {
    private Backends() {}

    /** Where a user learns to install TornadoVM; quoted in every "not available" message. */
    public static final String TORNADO_DOCS = "https://tornadovm.readthedocs.io/en/latest/installation.html";

    private static volatile Backend current = CpuBackend.INSTANCE;

    /** The backend the kernel facades dispatch to now. */
    public static Backend current() {
        return current;
    }

    /** Makes {@code backend} the one the facades dispatch to. */
    public static void use(Backend backend) {
        if (backend == null) throw new IllegalArgumentException("backend must not be null");
        current = backend;
    }

    /** The Vector API backend: always present. */
    public static Backend cpu() {
        return CpuBackend.INSTANCE;
    }

    /** Names of the backends this class path offers, "cpu" first. */
    public static List<String> available() {
        List<String> names = new ArrayList<>(List.of("cpu"));
        for (BackendProvider p : providers()) names.add(p.name());
        return names;
    }

    /**
     * Resolves a {@code --backend} value. "cpu" is the Vector API backend; a provider's name opens
     * that provider or throws with its reason; "auto" opens the first provider that works on a
     * device other than this machine's CPU and otherwise falls back to the CPU. Either way {@code say} is told what was chosen and, for
     * "auto", why the others were passed over. Does not {@link #use} the result.
     */
    public static Backend select(String choice, Consumer<String> say) throws BackendUnavailableException {
        String want = choice == null ? "auto" : choice.trim().toLowerCase(Locale.ROOT);
        if (want.equals("cpu")) return chosen(CpuBackend.INSTANCE, "", say);
        List<BackendProvider> providers = providers();
        if (want.equals("auto")) {
            StringBuilder passed = new StringBuilder();
            for (BackendProvider p : providers) {
                try {
                    Backend b = p.open();
                    if (!b.onHostCpu()) return chosen(b, "", say);
                    passed.append("; ").append(p.name()).append(" passed over: its device (").append(b.device())
                            .append(") is this machine's CPU, slower than the Vector API; --backend ").append(p.name())
                            .append(" selects it anyway");
                } catch (BackendUnavailableException | RuntimeException | LinkageError e) {
                    passed.append("; ").append(p.name()).append(" not usable: ").append(e.getMessage());
                }
            }
            String why = providers.isEmpty()
                    ? "; no GPU backend on the class path (TornadoVM: see README, 'GPU users')" : passed.toString();
            return chosen(CpuBackend.INSTANCE, why, say);
        }
        for (BackendProvider p : providers) {
            if (!p.name().equals(want)) continue;
            try {
                return chosen(p.open(), "", say);
            } catch (RuntimeException | LinkageError e) {
                throw new BackendUnavailableException("--backend " + want + ": it failed to start: " + e, e);
            }
        }
        if (want.equals("tornado")) {
            throw new BackendUnavailableException("--backend tornado: this saelab has no TornadoVM backend on its class path. "
                    + "It needs a TornadoVM installation (" + TORNADO_DOCS + ") with TORNADOVM_HOME (or TORNADO_SDK) "
                    + "pointing at it, and saelab's tornado module built against it (mvn -Ptornado install); the ./saelab "
                    + "launcher does both when TORNADOVM_HOME is set. See README, 'GPU users'. Use --backend cpu or auto meanwhile.");
        }
        throw new BackendUnavailableException("--backend " + choice + ": unknown backend; expected one of "
                + String.join(", ", available()) + " or auto");
    }

    private static Backend chosen(Backend b, String why, Consumer<String> say) {
        if (say != null) say.accept("backend: " + b.name() + " (" + b.device() + ")" + why);
        return b;
    }

    private static List<BackendProvider> providers() {
        List<BackendProvider> list = new ArrayList<>();
        ServiceLoader.load(BackendProvider.class).forEach(list::add);
        return list;
    }
}
