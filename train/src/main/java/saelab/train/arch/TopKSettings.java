package saelab.train.arch;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * TopK's settings.
 *
 * @param k         latents kept per row
 * @param auxkAlpha weight of the auxiliary TopK loss on dead latents (0: off)
 * @param kAux      latents the auxiliary loss keeps per row (dictionary_learning: d/2)
 */
public record TopKSettings(int k, double auxkAlpha, int kAux) implements SaeSettings {

    public TopKSettings {
        if (k <= 0) throw new SettingException("topk", "k", k, "a positive integer");
        if (!(auxkAlpha >= 0) || !Double.isFinite(auxkAlpha)) throw new SettingException("topk", "auxk_alpha", auxkAlpha, "a finite number ≥ 0");
        if (kAux <= 0) throw new SettingException("topk", "k_aux", kAux, "a positive integer");
    }

    @Override public SaeArchitecture architecture() { return TopKArchitecture.INSTANCE; }

    @Override public void toJson(ObjectNode o) {
        o.put("k", k);
        o.put("auxk_alpha", auxkAlpha);
        o.put("k_aux", kAux);
    }

    @Override public String describe() { return "k " + k + ", auxk_alpha " + auxkAlpha + ", k_aux " + kAux; }

    @Override public void check(int dIn, int dSae) {
        if (k > dSae) throw new SettingException("topk", "k", k, "at most d_sae = " + dSae + " (TopK keeps k of the m latents)");
    }
}
