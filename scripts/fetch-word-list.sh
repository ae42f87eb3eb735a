#!/usr/bin/env bash
# Fetches an English word list (one lowercase word per line, ~274k words, MIT licence) from the
# npm registry for `saelab absorption`, which uses it when neither --words nor
# /usr/share/dict/words (Debian's wamerican) is there.
#
#   scripts/fetch-word-list.sh [OUT_DIR]   (default: $SAELAB_WORD_LIST_DIR, else
#                                           ${XDG_CACHE_HOME:-~/.cache}/saelab/word-list)
#
# OUT_DIR gets words.txt and source.txt (which package). Needs npm and tar; nothing is installed
# globally and nothing lands in the repository. Re-running replaces the files.
set -euo pipefail
pkg=word-list@4.1.0
default_dir=${SAELAB_WORD_LIST_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/saelab/word-list}
out=${1:-$default_dir}
for tool in npm tar; do
  command -v "$tool" >/dev/null 2>&1 || { echo "fetch-word-list: $tool is not installed" >&2; exit 3; }
done
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$pkg" >/dev/null && tar xzf word-list-*.tgz)
test -s "$work/package/words.txt" || { echo "fetch-word-list: $pkg has no words.txt" >&2; exit 4; }
# Atomic: a reader never sees a half-written list.
cp "$work/package/words.txt" "$out/words.txt.tmp"
mv "$out/words.txt.tmp" "$out/words.txt"
echo "$pkg from the npm registry (words.txt, $(wc -l < "$out/words.txt") words)" > "$out/source.txt"
echo "fetch-word-list: wrote $out/words.txt"
