import { defineMetric } from '../kit.js';

/** ROC AUC: the probability that a random positive scores above a random negative (ties: one half). NaN without both. */
export function rocAuc(truth: ArrayLike<number>, scores: ArrayLike<number>): number {
  const n = truth.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let rankSumPos = 0;
  let nPos = 0;
  for (let s = 0; s < n; ) {
    let e = s;
    while (e + 1 < n && scores[idx[e + 1]!] === scores[idx[s]!]) e++;
    const avgRank = (s + e) / 2 + 1;
    for (let k = s; k <= e; k++)
      if (truth[idx[k]!]! > 0.5) {
        rankSumPos += avgRank;
        nPos += 1;
      }
    s = e + 1;
  }
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return NaN;
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/** binary: area under the ROC curve of the positive class's probability (Mann–Whitney). */
export default defineMetric({
  name: 'roc_auc',
  label: 'ROC AUC',
  direction: 'max',
  range: [0, 1],
  defaultFor: ['binary'],
  compute: { binary: (x) => rocAuc(x.truth, x.scores) },
});
