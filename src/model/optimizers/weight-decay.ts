/**
 * Weight decay options shared by mmx's optimisers: the coefficient λ and which variables it applies to.
 * `decays` answers per variable name (a bias or a normalisation parameter is usually left out: ./decay-groups.ts
 * decides that from the model's layers).
 */
export interface WeightDecayOptions {
  /** λ (default 0: none) */
  weightDecay?: number;
  /** whether the variable of this name is decayed (default: every variable) */
  decays?: (variable: string) => boolean;
}

export function checkWeightDecay(lambda: number | undefined): number {
  const wd = lambda ?? 0;
  if (!Number.isFinite(wd) || wd < 0) throw new RangeError(`weight decay must be a finite number ≥ 0, got ${wd}`);
  return wd;
}
