// Encodes a varied corpus with a JavaScript tokenizer (transformers.js lineage, via @lenml) and
// writes one {"text", "ids"} JSON line per document. Run by fetch-gemma-tokenizer.sh:
//   node gemma-tokenizer-reference.js LIBRARY_MAIN_JS MODELS_DIR OUT_JSONL
// The corpus: local license texts, Debian docs and Python sources (prose, code), plus
// generated text (seeded, so reruns agree) stressing unicode, emoji, CJK, rare scripts that
// need byte fallback, whitespace runs, numbers and literal special-token strings.
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

const [libraryMain, modelsDir, outFile] = process.argv.slice(2);
const { TokenizerLoader } = require(libraryMain);
const tokenizer = TokenizerLoader.fromPreTrained({
  tokenizerJSON: JSON.parse(fs.readFileSync(path.join(modelsDir, 'tokenizer.json'), 'utf8')),
  tokenizerConfig: JSON.parse(fs.readFileSync(path.join(modelsDir, 'tokenizer_config.json'), 'utf8')),
});

// Valid UTF-8 only: a JS string with a lone surrogate has no UTF-8 form to compare.
function readText(file) {
  try {
    let buf = fs.readFileSync(file);
    if (file.endsWith('.gz')) buf = zlib.gunzipSync(buf);
    const text = new TextDecoder('utf-8', { fatal: true }).decode(buf);
    return text.includes('\u0000') ? null : text;
  } catch (e) {
    return null;
  }
}

function listFiles(dir, accept, depth = 3) {
  let out = [];
  let entries;
  try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch (e) { return out; }
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() && depth > 0) out = out.concat(listFiles(p, accept, depth - 1));
    else if (e.isFile() && accept(p)) out.push(p);
  }
  return out;
}

function takeUpTo(files, budgetChars, maxPerFile) {
  const docs = [];
  let used = 0;
  for (const f of files) {
    if (used >= budgetChars) break;
    let t = readText(f);
    if (!t || t.length === 0) continue;
    if (t.length > maxPerFile) t = t.slice(0, maxPerFile).replace(/[\uD800-\uDBFF]$/, '');
    docs.push(t);
    used += t.length;
  }
  return docs;
}

// mulberry32: a small seeded generator, so the synthetic corpus is the same on every run.
function rng(seed) {
  return function () {
    seed |= 0; seed = (seed + 0x6D2B79F5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function synthetic(count, seed) {
  const r = rng(seed);
  const pick = (a) => a[Math.floor(r() * a.length)];
  const int = (lo, hi) => lo + Math.floor(r() * (hi - lo + 1));
  const range = (lo, hi) => String.fromCodePoint(int(lo, hi));
  const words = ['the', 'The', 'tokenizer', 'sparse', 'autoencoder', 'Gemma', 'residual', 'stream', 'naïve',
    'café', 'résumé', 'Straße', 'über', 'don\'t', 'e.g.', 'U.S.A.', 'http://example.com/a?b=c&d=e', 'foo_bar',
    'camelCaseWord', 'SCREAMING_CASE', 'x86_64', 'C++', 'node.js', 'JSON', '{"k": [1, 2]}', 'λ', 'Ωmega'];
  const scripts = [
    () => range(0x4E00, 0x9FFF),            // CJK ideographs
    () => range(0x3040, 0x30FF),            // kana
    () => range(0xAC00, 0xD7A3),            // hangul
    () => range(0x0600, 0x06FF),            // arabic
    () => range(0x05D0, 0x05EA),            // hebrew
    () => range(0x0900, 0x097F),            // devanagari
    () => range(0x0E00, 0x0E7F),            // thai
    () => range(0x0400, 0x04FF),            // cyrillic
    () => range(0x0370, 0x03FF),            // greek
    () => range(0x1F300, 0x1FAFF),          // emoji and pictographs
    () => '👩\u200D💻', () => '👍🏽', () => '🇩🇪', () => '❤️',
    () => 'e\u0301', () => range(0x0300, 0x036F), // combining marks
    () => range(0x10000, 0x100FA),          // Linear B: mostly byte fallback
    () => range(0x12000, 0x123FF),          // cuneiform
    () => range(0xE000, 0xF8FF),            // private use
    () => range(0x2000, 0x206F),            // general punctuation, odd spaces, ZWJ and friends
    () => range(0x0001, 0x001F),            // control characters
    () => range(0x00A0, 0x00FF),            // latin-1
  ];
  const spaces = () => pick([' ', '  ', '   ', '\t', '\t\t', '\n', '\n\n', '\n\n\n', '\r\n', ' \n ', '\u00A0', '\u3000',
    ' '.repeat(int(4, 40)), '\t'.repeat(int(2, 12)), '\n'.repeat(int(4, 35)), ' \t \n\t ']);
  const numbers = () => pick([
    () => String(int(0, 9)), () => String(int(0, 1e9)), () => (r() * 1e6).toFixed(int(0, 6)),
    () => '-' + (r() * 100).toExponential(3), () => '0x' + int(0, 0xFFFFFF).toString(16),
    () => String(int(0, 9)).repeat(int(5, 60)), () => '+1 (555) 01' + int(10, 99) + '-' + int(1000, 9999),
    () => int(1, 28) + '/' + int(1, 12) + '/' + int(1900, 2100), () => '3.14159265358979323846264338327950288',
  ])();
  const specials = () => pick(['<bos>', '<eos>', '<pad>', '<unk>', '<start_of_turn>user\n', '<end_of_turn>\n',
    '<start_of_turn>model\n', '<mask>', '<unused7>', '▁', '▁▁', '<0x41>', '<table>', '</td>', '<h1>', '[@BOS@]',
    '< bos>', '<bos', '<start_of_turn', '<<bos>>']);
  const docs = [];
  for (let d = 0; d < count; d++) {
    let s = '';
    const target = int(20, 3000);
    while (s.length < target) {
      const k = r();
      if (k < 0.35) s += pick(words);
      else if (k < 0.55) s += spaces();
      else if (k < 0.75) { const f = pick(scripts); for (let i = int(1, 12); i > 0; i--) s += f(); }
      else if (k < 0.88) s += numbers();
      else if (k < 0.95) s += specials();
      else s += pick(['.', ',', '!', '?', '...', '—', '–', '"', '\'', '(', ')', '[', ']', '{', '}', ';', ':', '``', '\\']);
    }
    docs.push(s);
  }
  // Edge cases that deserve their own documents.
  docs.push('', ' ', '  ', '\n', ' \n', 'a', ' a', 'a ', '▁', '▁hello', 'hello▁world', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
    'a'.repeat(5000), ' '.repeat(200), '\n'.repeat(100), '\t'.repeat(50), '😀'.repeat(300), '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
    'Hello, my dog is cute', '<start_of_turn>user\nWrite a poem<end_of_turn>\n<start_of_turn>model\n');
  return docs;
}

const docs = []
  .concat(takeUpTo(listFiles('/usr/share/common-licenses', () => true, 0), 150000, 40000))
  .concat(takeUpTo(listFiles('/usr/share/doc', (p) => /(copyright|README|changelog\.Debian\.gz|NEWS)/.test(path.basename(p))), 120000, 8000))
  .concat(takeUpTo(listFiles('/usr/lib/python3', (p) => p.endsWith('.py'), 2)
    .concat(listFiles('/usr/lib/python3.11', (p) => p.endsWith('.py'), 0))
    .concat(listFiles('/usr/lib/python3.12', (p) => p.endsWith('.py'), 0))
    .concat(listFiles('/usr/lib/python3.13', (p) => p.endsWith('.py'), 0)), 80000, 12000))
  .concat(synthetic(120, 20240601));

const out = fs.openSync(outFile, 'w');
let chars = 0, tokens = 0;
for (const text of docs) {
  const ids = tokenizer.encode(text, { add_special_tokens: true });
  fs.writeSync(out, JSON.stringify({ text, ids }) + '\n');
  chars += text.length;
  tokens += ids.length;
}
fs.closeSync(out);
const bytes = fs.statSync(outFile).size;
console.log(`gemma-tokenizer-reference: ${docs.length} documents, ${chars} UTF-16 chars, ${tokens} tokens -> ${outFile} (${bytes} bytes)`);
