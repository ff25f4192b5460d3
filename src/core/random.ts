/** Seeded pseudo-random numbers (mulberry32) for splits and shuffling: same seed, same order. */
export function rng(seed: number): () => number {
  return seededRandom(seed);
}

/** mulberry32 whose one-number state can be read and set: a checkpoint keeps it, a resumed run goes on from it. */
export interface SeededRandom {
  (): number;
  state: number;
}

export function seededRandom(seed: number): SeededRandom {
  const next: SeededRandom = Object.assign(
    () => {
      next.state = (next.state + 0x6d2b79f5) >>> 0;
      let t = next.state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
    { state: seed >>> 0 },
  );
  return next;
}

/** Fisher–Yates shuffle in place. */
export function shuffleInPlace<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
