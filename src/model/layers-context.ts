/**
 * What every model part (encoder, fusion, head) gets when it builds its layers: a name prefix that keeps
 * layer names unique, and seeded initialisers so that a run with the same `seed` builds the same weights.
 */
import * as tf from '../tf.js';

export class LayerContext {
  private counter = 0;
  private state: number;

  constructor(
    /** prefix for every layer name, e.g. the input's name under `inputs:` */
    readonly prefix: string,
    seed: number,
  ) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  /** A unique, readable layer name. */
  name(part: string): string {
    this.counter += 1;
    return `${this.prefix}_${part}${this.counter}`;
  }

  /** Next deterministic seed (mulberry32 stream). */
  nextSeed(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) % 2147483647;
  }

  /** Glorot-uniform kernel initialiser with the next seed. */
  kernelInit(): ReturnType<typeof tf.initializers.glorotUniform> {
    return tf.initializers.glorotUniform({ seed: this.nextSeed() });
  }

  /** A child context for a sub-part, sharing nothing but a derived seed. */
  child(prefix: string): LayerContext {
    return new LayerContext(`${this.prefix}_${prefix}`, this.nextSeed());
  }
}
