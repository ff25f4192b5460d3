/**
 * reduce_on_plateau's state, as PyTorch's ReduceLROnPlateau keeps it (threshold_mode 'rel'): after each epoch the
 * monitored value either improves on the best by more than `threshold` (relative) — the best moves, the count of
 * bad epochs restarts — or the count grows; when it exceeds `patience`, the rate is multiplied by `factor` (not
 * below min_lr), and `cooldown` epochs follow in which bad epochs are not counted.
 * The state is plain numbers, kept in checkpoints.
 */
export interface PlateauOptions {
  mode: 'min' | 'max';
  factor: number;
  patience: number;
  threshold: number;
  cooldown: number;
}

export interface PlateauState {
  /** the best monitored value so far (absent before the first finite one) */
  best?: number;
  badEpochs: number;
  cooldownLeft: number;
  /** the product of the reductions so far */
  factor: number;
  /** reductions so far */
  reductions: number;
}

export class Plateau {
  state: PlateauState = { badEpochs: 0, cooldownLeft: 0, factor: 1, reductions: 0 };

  constructor(private readonly o: PlateauOptions) {}

  private better(value: number, best: number | undefined): boolean {
    if (best === undefined) return true;
    return this.o.mode === 'min' ? value < best * (1 - this.o.threshold) : value > best * (1 + this.o.threshold);
  }

  /**
   * After an epoch with the monitored `value` (NaN or missing: a bad epoch). Returns true when the rate is reduced
   * (`floorReached`: the rate already at min_lr, so a reduction would change nothing and is not counted).
   */
  step(value: number | undefined, floorReached = false): boolean {
    const s = this.state;
    if (value !== undefined && Number.isFinite(value) && this.better(value, s.best)) {
      s.best = value;
      s.badEpochs = 0;
    } else {
      s.badEpochs += 1;
    }
    if (s.cooldownLeft > 0) {
      s.cooldownLeft -= 1;
      s.badEpochs = 0;
    }
    if (s.badEpochs > this.o.patience) {
      s.badEpochs = 0;
      s.cooldownLeft = this.o.cooldown;
      if (floorReached) return false;
      s.factor *= this.o.factor;
      s.reductions += 1;
      return true;
    }
    return false;
  }
}
