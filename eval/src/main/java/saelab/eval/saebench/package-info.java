/**
 * Result files in SAEBench's own format, so that SAEBench's plotting and comparison tools read
 * saelab's numbers: one JSON per evaluated SAE and evaluation type, laid out as SAEBench writes
 * them, {@code eval_results/<eval_type_id>/<sae_release>_<sae_id>_eval_results.json} ('/' in the
 * name replaced by '_'), each with SAEBench's envelope (eval_type_id, eval_config, eval_id,
 * datetime_epoch_millis, eval_result_metrics, eval_result_details, sae_bench_commit_hash,
 * sae_lens_id, sae_lens_release_id, sae_lens_version, sae_cfg_dict, eval_result_unstructured).
 * Types written: core, absorption_first_letter, sparse_probing. A metric saelab does not compute
 * is null, never estimated.
 */
package saelab.eval.saebench;
