// The difference between two versions of a paragraph, word by word in English and character by
// character in Chinese: a longest common subsequence over the tokens.

// Words with their trailing spaces, CJK characters one by one, punctuation alone.
export function tokens(text) {
  return text.match(/[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]|[^\s\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]+\s*|\s+/g) || [];
}

// [{op: 'same'|'del'|'ins', text}], adjacent pieces of one kind joined.
export function diff(before, after) {
  const a = tokens(before), b = tokens(after);
  const n = a.length, m = b.length;
  // lcs[i][j]: the longest common subsequence of a[i..] and b[j..], in one flat array.
  const lcs = new Uint32Array((n + 1) * (m + 1));
  for (let i = n - 1; i >= 0; --i)
    for (let j = m - 1; j >= 0; --j)
      lcs[i * (m + 1) + j] = a[i] === b[j] ? lcs[(i + 1) * (m + 1) + j + 1] + 1
        : Math.max(lcs[(i + 1) * (m + 1) + j], lcs[i * (m + 1) + j + 1]);
  const out = [];
  const push = (op, text) => {
    if (out.length && out[out.length - 1].op === op) out[out.length - 1].text += text;
    else out.push({ op, text });
  };
  let i = 0, j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      push('same', a[i]);
      ++i, ++j;
    } else if (lcs[(i + 1) * (m + 1) + j] >= lcs[i * (m + 1) + j + 1]) push('del', a[i++]);
    else push('ins', b[j++]);
  }
  while (i < n) push('del', a[i++]);
  while (j < m) push('ins', b[j++]);
  return out;
}
