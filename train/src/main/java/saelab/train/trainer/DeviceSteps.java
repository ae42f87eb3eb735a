package saelab.train.trainer;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import saelab.tensor.backend.Backend;
import saelab.tensor.backend.Backends;
import saelab.train.penalty.PenaltyConfig;

/**
 * Chooses where a trainer's step runs: resident on a device, when a {@link DeviceTopKStep.Factory}
 * on the class path (found with {@link ServiceLoader}) opens a step for this configuration on the
 * current backend, else on the host (autograd, with the hot kernels on the backend). Either way
 * it says so in one line ({@link Choice#engine}), with the reasons a resident step was not had.
 *
 * <p>Only an architecture that is residentCapable (TopK) can be resident, and only with no penalty or a co-firing one: the
 * {@link DeviceTopKStep} contract carries λ2 and the threshold, nothing for the orthogonal penalty
 * ({@link #hostOnly}). The factories say what else they cannot take. {@code SAELAB_RESIDENT=0} in the
 * environment, or {@code -Dsaelab.resident=false} (which wins over the environment), forces the
 * host step, e.g. to time one against the other.
 */
public final class DeviceSteps {
    private DeviceSteps() {}

    /**
     * @param step   the resident step, or null for the host path
     * @param engine the line a command prints: what runs the step, and why
     */
    public record Choice(DeviceTopKStep step, String engine) {}

    /** The choice for this configuration on {@link Backends#current()}, with the factories the class path offers. */
    public static Choice choose(TrainConfig cfg) {
        return choose(cfg, Backends.current(), factories(), switchedOff(System.getProperty("saelab.resident"), System.getenv("SAELAB_RESIDENT")));
    }

    /**
     * @param off how the resident step was switched off (as the user wrote it), or null when it was not
     */
    static Choice choose(TrainConfig cfg, Backend backend, List<DeviceTopKStep.Factory> factories, String off) {
        if (factories.isEmpty()) return host(backend, null); // nothing to explain: no accelerator module present
        if (off != null) return host(backend, "resident step switched off by " + off);
        if (!cfg.architecture().residentCapable()) return host(backend, "resident step unavailable: the " + cfg.architecture().name() + " SAE has none");
        String hostOnly = hostOnly(cfg);
        if (hostOnly != null) return host(backend, "resident step unavailable: " + hostOnly);
        List<String> why = new ArrayList<>();
        for (DeviceTopKStep.Factory f : factories) {
            try {
                DeviceTopKStep.Opening o = f.open(cfg, cfg.architecture().resident(cfg.settings()), backend);
                if (o != null && o.step() != null) return resident(o.step());
                why.add(o == null || o.whyNot() == null ? f.getClass().getSimpleName() + " gave no step and no reason" : o.whyNot());
            } catch (RuntimeException | LinkageError e) {
                // An accelerator runtime that is missing or broken must not stop a run the host can do.
                why.add(f.getClass().getSimpleName() + " failed to open a step: " + e);
            }
        }
        return host(backend, "resident step unavailable: " + String.join("; ", why));
    }

    /**
     * Why no resident step can run this TopK configuration whatever the device, or null when one
     * may: the step's inputs ({@link DeviceTopKStep.Inputs}) have no place for the orthogonal
     * penalty's weight and chunks, so that penalty trains on the host.
     */
    static String hostOnly(TrainConfig cfg) {
        return cfg.penalty().kind() == PenaltyConfig.Kind.ORTHOGONAL
                ? "the orthogonal penalty runs on the host step" : null;
    }

    /** The line for a trainer built around an explicit step (tests, benchmarks). */
    static Choice resident(DeviceTopKStep step) {
        return new Choice(step, "training step: resident on " + step.device() + " (parameters and Adam state stay on the device)");
    }

    /** @param note what to say in parentheses (null: nothing) */
    static Choice host(Backend backend, String note) {
        return new Choice(null, "training step: host autograd, kernels on " + backend.name() + (note == null ? "" : " (" + note + ")"));
    }

    /**
     * How the escape hatch was set, e.g. "SAELAB_RESIDENT=0", or null when the resident step is
     * allowed. The property wins over the environment; anything but a yes or a no is an error,
     * so a typo does not silently time the wrong thing.
     */
    static String switchedOff(String property, String env) {
        if (property != null && !property.isBlank()) return off(property, "-Dsaelab.resident=");
        if (env != null && !env.isBlank()) return off(env, "SAELAB_RESIDENT=");
        return null;
    }

    private static String off(String value, String how) {
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "0", "false", "off", "no" -> how + value.strip();
            case "1", "true", "on", "yes" -> null;
            default -> throw new IllegalArgumentException(how + value + ": expected 0 or 1 (false/true, off/on, no/yes); "
                    + "0 forces the host training step, 1 (the default) lets a resident device step run");
        };
    }

    /** The factories on the class path; one whose provider cannot even be loaded becomes one that says why. */
    private static List<DeviceTopKStep.Factory> factories() {
        List<DeviceTopKStep.Factory> list = new ArrayList<>();
        Iterator<DeviceTopKStep.Factory> it = ServiceLoader.load(DeviceTopKStep.Factory.class).iterator();
        try {
            while (it.hasNext()) list.add(it.next());
        } catch (ServiceConfigurationError | LinkageError e) {
            // ServiceLoader only promises a best effort after an error; stop at the first.
            String why = "a resident-step provider failed to load: " + e.getMessage();
            list.add((cfg, topk, backend) -> DeviceTopKStep.Opening.no(why));
        }
        return list;
    }
}
