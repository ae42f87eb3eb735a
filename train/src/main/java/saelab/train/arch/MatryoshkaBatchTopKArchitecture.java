package saelab.train.arch;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import saelab.train.sae.MatryoshkaBatchTopKSae;
import saelab.train.sae.SaeParams;
import saelab.train.sae.SparseCodes;
import saelab.train.sae.SparseEncoder;
import saelab.train.sae.TrainingLoss;
import saelab.train.trainer.TrainConfig;

/**
 * dictionary_learning's Matryoshka BatchTopK SAE and trainer ({@link MatryoshkaBatchTopKSae}):
 * BatchTopK's selection, initialisation, decoder projection, threshold estimate, inference and
 * parameters ({@link BatchTopKArchitecture}: W_enc, b_enc, W_dec, b_dec, threshold), with the
 * reconstruction loss averaged over nested prefixes of the dictionary. Groups are given as
 * fractions of m (dictionary_learning's group_fractions, its rounding); their weights default to
 * 1/G. Loss terms: "recon" (the whole dictionary's, first), "recon_&lt;w&gt;" for each inner prefix of
 * width w, "auxk"; each prefix's weight is λ_i/G (logged as recon_weight, recon_&lt;w&gt;_weight).
 */
public final class MatryoshkaBatchTopKArchitecture implements SaeArchitecture {
    public static final MatryoshkaBatchTopKArchitecture INSTANCE = new MatryoshkaBatchTopKArchitecture();

    private MatryoshkaBatchTopKArchitecture() {}

    /**
     * Matryoshka BatchTopK's settings: BatchTopK's, the group fractions (positive, summing to 1) and
     * the group weights (null: 1/G each).
     */
    public record Settings(int k, double auxkAlpha, int kAux, double thresholdBeta, long thresholdStartStep,
                           List<Double> groupFractions, List<Double> groupWeights) implements SaeSettings {
        public Settings {
            new BatchTopKArchitecture.Settings(k, auxkAlpha, kAux, thresholdBeta, thresholdStartStep); // the shared checks
            String a = INSTANCE.name();
            if (groupFractions == null || groupFractions.isEmpty()) throw new SettingException(a, "group_fractions", "", "at least one fraction");
            groupFractions = List.copyOf(groupFractions);
            double sum = 0;
            for (double f : groupFractions) {
                if (!(f > 0) || !Double.isFinite(f)) throw new SettingException(a, "group_fractions", join(groupFractions), "positive fractions");
                sum += f;
            }
            if (Math.abs(sum - 1) > 1e-9) throw new SettingException(a, "group_fractions", join(groupFractions), "fractions summing to 1 (they sum to " + sum + ")");
            if (groupWeights != null) {
                groupWeights = List.copyOf(groupWeights);
                if (groupWeights.size() != groupFractions.size()) {
                    throw new SettingException(a, "group_weights", join(groupWeights), "one weight per group (" + groupFractions.size() + ")");
                }
                for (double w : groupWeights) {
                    if (!(w >= 0) || !Double.isFinite(w)) throw new SettingException(a, "group_weights", join(groupWeights), "finite weights ≥ 0");
                }
            }
        }

        @Override public SaeArchitecture architecture() { return INSTANCE; }

        @Override public void toJson(ObjectNode o) {
            o.put("k", k);
            o.put("auxk_alpha", auxkAlpha);
            o.put("k_aux", kAux);
            o.put("threshold_beta", thresholdBeta);
            o.put("threshold_start_step", thresholdStartStep);
            o.put("group_fractions", join(groupFractions));
            o.put("group_weights", groupWeights == null ? EQUAL : join(groupWeights));
        }

        @Override public String describe() {
            return "k " + k + " (per batch row), groups " + join(groupFractions) + " of m, weights " + (groupWeights == null ? EQUAL : join(groupWeights))
                    + ", auxk_alpha " + auxkAlpha + ", k_aux " + kAux + ", threshold β " + thresholdBeta + " from step " + thresholdStartStep;
        }

        @Override public void check(int dIn, int dSae) {
            new BatchTopKArchitecture.Settings(k, auxkAlpha, kAux, thresholdBeta, thresholdStartStep).check(dIn, dSae);
            try {
                groupSizes(dSae);
            } catch (IllegalArgumentException e) {
                throw new SettingException(INSTANCE.name(), "group_fractions", join(groupFractions), "fractions that leave every group non-empty at d_sae = " + dSae);
            }
        }

        /** dictionary_learning's rounding of the fractions to sizes summing to m. */
        public int[] groupSizes(int dSae) {
            return MatryoshkaBatchTopKSae.groupSizes(dSae, groupFractions.stream().mapToDouble(Double::doubleValue).toArray());
        }

        MatryoshkaBatchTopKSae.Config config(int dIn, int dSae) {
            double[] w = groupWeights == null ? MatryoshkaBatchTopKSae.equalWeights(groupFractions.size())
                    : groupWeights.stream().mapToDouble(Double::doubleValue).toArray();
            return new MatryoshkaBatchTopKSae.Config(dIn, dSae, k, groupSizes(dSae), w, thresholdBeta, thresholdStartStep);
        }
    }

    /** The group_weights value for 1/G each. */
    public static final String EQUAL = "equal";

    static String join(List<Double> values) { return values.stream().map(String::valueOf).collect(Collectors.joining(",")); }

    /**
     * Halving groups, 1/32, 1/16, 1/8, 1/4 of m and the rest (a choice: the reference has no
     * default); fewer for small dictionaries, so that no group is empty.
     */
    static String defaultFractions(int m) {
        return m >= 32 ? "0.03125,0.0625,0.125,0.25,0.53125" : m >= 4 ? "0.25,0.25,0.5" : "1.0";
    }

    private static final List<SettingSpec> SPECS;
    static {
        List<SettingSpec> s = new ArrayList<>(BatchTopKArchitecture.SPECS);
        s.add(new SettingSpec("group_fractions", "the nested groups' shares of m, comma separated, summing to 1", (d, m) -> defaultFractions(m)));
        s.add(SettingSpec.constant("group_weights", "each prefix loss's weight, comma separated, or 'equal' (1/G each)", EQUAL));
        SPECS = List.copyOf(s);
    }

    @Override public String name() { return "matryoshka_batchtopk"; }

    @Override public List<String> aliases() { return List.of("matryoshka"); }

    @Override public String summary() { return "Matryoshka BatchTopK (Bussmann et al. 2025): BatchTopK whose nested dictionary prefixes each reconstruct x"; }

    @Override public List<SettingSpec> settingSpecs() { return SPECS; }

    @Override public Settings settings(Map<String, String> values, int dIn, int dSae) {
        SettingValues v = SettingValues.of(name(), SPECS, values, dIn, dSae);
        String weights = text(values, "group_weights", dIn, dSae);
        Settings s = new Settings(v.integer("k"), v.real("auxk_alpha"), v.integer("k_aux"), v.real("threshold_beta"), v.longValue("threshold_start_step"),
                numbers(v, "group_fractions", text(values, "group_fractions", dIn, dSae)),
                weights.equalsIgnoreCase(EQUAL) ? null : numbers(v, "group_weights", weights));
        s.check(dIn, dSae);
        return s;
    }

    /** A list-valued setting's text as given, or its default (SettingValues reads numbers only). */
    private static String text(Map<String, String> values, String key, int dIn, int dSae) {
        String t = values.get(key);
        if (t != null) return t.strip();
        return SPECS.stream().filter(s -> s.key().equals(key)).findFirst().orElseThrow().defaultValue().at(dIn, dSae);
    }

    private static List<Double> numbers(SettingValues v, String key, String text) {
        List<Double> out = new ArrayList<>();
        for (String part : text.split(",")) {
            try {
                out.add(Double.parseDouble(part.strip()));
            } catch (NumberFormatException e) {
                throw v.bad(key, text, "numbers separated by commas");
            }
        }
        return out;
    }

    @Override public Sae create(TrainConfig cfg, long seed) {
        Settings s = (Settings) cfg.settings();
        return new Model(s, BatchTopKArchitecture.withThreshold(MatryoshkaBatchTopKSae.init(s.config(cfg.dIn(), cfg.dSae()), seed).params()));
    }

    @Override public Sae restore(SaeSettings settings, int dIn, int dSae, Map<String, float[]> tensors) {
        return new Model((Settings) settings, CheckpointTensors.params(tensors, BatchTopKArchitecture.layout(dIn, dSae)));
    }

    @Override public Sae around(SaeSettings settings, SaeParams params) {
        return new Model((Settings) settings, BatchTopKArchitecture.requireLayout(params));
    }

    private static final class Model implements Sae {
        private final Settings settings;
        private final MatryoshkaBatchTopKSae sae;

        Model(Settings settings, SaeParams params) {
            settings.check(params.dIn(), params.dSae());
            this.settings = settings;
            this.sae = new MatryoshkaBatchTopKSae(settings.config(params.dIn(), params.dSae()), params);
        }

        @Override public Settings settings() { return settings; }

        @Override public SaeParams params() { return sae.params(); }

        @Override public SparseCodes encode(float[] x, int rows) { return BatchTopKArchitecture.encode(sae.params(), sae.threshold().value(), settings.k(), x, rows); }

        @Override public void initialize(float[] x, int rows) { BatchTopKArchitecture.initialize(sae.params(), x, rows); }

        @Override public Loss loss(float[] x, int rows, StepContext ctx) {
            TrainingLoss t = sae.loss(x, rows, ctx.dead(), settings.auxkAlpha(), settings.kAux());
            sae.threshold().observe(t.selection(), ctx.step());
            int[] widths = sae.config().prefixWidths();
            double[] weights = sae.config().groupWeights();
            List<LossTerm> terms = new ArrayList<>();
            int g = widths.length;
            terms.add(prefixTerm("recon", t, weights[g - 1] / g));
            for (int i = 0; i < g - 1; i++) terms.add(prefixTerm(sae.prefixTerm(widths[i]), t, weights[i] / g));
            terms.add(new LossTerm("auxk", t.term("auxk"), "auxk_alpha", settings.auxkAlpha()));
            return new Loss(t.total(), terms, BatchTopKArchitecture.fired(t.selection(), dSae()), SparseEncoder.l0(t.selection()), t.reconstruction().data());
        }

        /** A prefix's term; its weight is logged as NAME_weight unless it is 1. */
        private static LossTerm prefixTerm(String name, TrainingLoss t, double weight) {
            return new LossTerm(name, t.term(name), weight == 1 ? null : name + "_weight", weight);
        }

        /**
         * Unit-norm decoder rows with no radial gradient, as dictionary_learning keeps them (the SAE's
         * projectGradient and projectParameters): the trainer's fused update removes the radial part as it
         * reads the gradient and normalises the rows after Adam, with the bits of those two calls around it.
         */
        @Override public int unitNormRows() { return sae.params().names().indexOf("W_dec"); }

        @Override public boolean unitRowsTangent() { return true; }

        @Override public String saeLensArchitecture() { return BatchTopKArchitecture.saeLensName(sae.threshold(), architecture()); }

        @Override public void saeLensFields(ObjectNode o) {
            o.put("k", settings.k());
            ArrayNode widths = o.putArray("matryoshka_widths");
            for (int w : sae.config().prefixWidths()) widths.add(w);
        }
    }
}
