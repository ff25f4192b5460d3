/**
 * Where each value of a merged config came from: file, line and column for every key path, so that a
 * problem found after `extends` merging and `--set` overrides still points at the line a person wrote.
 */
import type { SourceLocation } from './issues.js';

export type KeyPath = readonly (string | number)[];

export interface Origin {
  /** where the value starts */
  value: SourceLocation;
  /** where its key starts (absent for sequence items and the document root) */
  key?: SourceLocation;
  /**
   * the text of a scalar that was typed from it (an interpolated `${VAR}`, a `--set` value): where the schema wants
   * a string, the value is this text
   */
  text?: string;
}

const join = (path: KeyPath): string => path.map(String).join('\u0000');

export class SourceMap {
  private readonly origins = new Map<string, Origin>();

  set(path: KeyPath, origin: Origin): void {
    this.origins.set(join(path), origin);
  }

  /** Records the written text of the scalar at `path` (see Origin.text). */
  setText(path: KeyPath, text: string): void {
    const o = this.origins.get(join(path));
    if (o) this.origins.set(join(path), { ...o, text });
  }

  /** The written text of the scalar at exactly `path`, if it was typed from text. */
  textOf(path: KeyPath): string | undefined {
    return this.origins.get(join(path))?.text;
  }

  /** Copy every entry of `other` in, replacing what was here (the child of an `extends` wins). */
  overlay(other: SourceMap): void {
    for (const [k, v] of other.origins) this.origins.set(k, v);
  }

  /** Move the entries at and below `from` to `to` (a value the loader moved, e.g. `columns[0]` → `column`). */
  move(from: KeyPath, to: KeyPath): void {
    const prefix = join(from);
    for (const [k, v] of [...this.origins]) {
      if (k !== prefix && !k.startsWith(prefix + '\u0000')) continue;
      this.origins.delete(k);
      this.origins.set(join(to) + k.slice(prefix.length), v);
    }
  }

  /** Remove the entries at and below `path` (a value that was replaced wholesale). */
  clear(path: KeyPath): void {
    const prefix = join(path);
    for (const k of [...this.origins.keys()]) {
      if (k === prefix || k.startsWith(prefix + '\u0000') || prefix === '') this.origins.delete(k);
    }
  }

  /**
   * The location of a path: the value's (or key's, with `preferKey`) position, or the nearest ancestor's
   * when the path itself was never written (a missing key, a default).
   */
  locate(path: KeyPath, preferKey = false): SourceLocation | undefined {
    for (let n = path.length; n >= 0; n--) {
      const o = this.origins.get(join(path.slice(0, n)));
      if (o) return n === path.length && preferKey ? (o.key ?? o.value) : n === path.length ? o.value : (o.key ?? o.value);
    }
    return undefined;
  }

  /** The file a path's value came from (to resolve relative paths against it). */
  fileOf(path: KeyPath): string | undefined {
    return this.locate(path)?.file;
  }
}
