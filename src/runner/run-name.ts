/**
 * How runs are named, so that variants made with `--set` tell themselves apart in `mmx runs` and MLflow:
 *
 *   a run          `<name> [k=v, ...]`   the config's `name`, then the `--set` overrides that change the
 *                                         experiment: all but `name` itself and the `runtime.*` / `tracking.*`
 *                                         keys (where and how it runs, not what is learned)
 *   a sweep        `<name>-sweep [k=v]`  (just `<name>` when the name already ends in "sweep")
 *   a sweep trial  `<name>-trial-N`
 *
 * Every override, as given, is also in the run's `mmx.overrides` tag (a JSON list), whether or not it is named.
 */
import { parseOverride } from '../config/overrides.js';

/** Keys whose overrides stay out of the name: they do not change what is learned. */
const UNNAMED_ROOTS = new Set(['name', 'runtime', 'tracking', '$schema', 'description']);

/** MLflow shows a few dozen characters of a name; beyond this the list of overrides is cut. */
const MAX_NAME = 250;

/** The overrides that go into a run's name, as written (`fusion.type=gated`). */
export function namedOverrides(overrides: readonly string[]): string[] {
  return overrides
    .map((text) => text.trim())
    .filter((text) => {
      try {
        return !UNNAMED_ROOTS.has(String(parseOverride(text).path[0]));
      } catch {
        return true; // not parseable: the loader reports it, the name shows it as given
      }
    });
}

function withOverrides(base: string, overrides: readonly string[]): string {
  const named = namedOverrides(overrides);
  if (named.length === 0) return base;
  const full = `${base} [${named.join(', ')}]`;
  return full.length <= MAX_NAME ? full : `${full.slice(0, MAX_NAME - 2)}…]`;
}

/** A run's name: `avmnist-concat [fusion.type=gated]`. */
export function runName(name: string, overrides: readonly string[]): string {
  return withOverrides(name, overrides);
}

/** A sweep's parent run: `avmnist-sweep`, from `name: avmnist` or `name: avmnist-sweep` alike. */
export function sweepRunName(name: string, overrides: readonly string[]): string {
  return withOverrides(/sweep$/i.test(name) ? name : `${name}-sweep`, overrides);
}

/** The `mmx.overrides` tag: every override as given, in order (none: no tag). */
export function overridesTag(overrides: readonly string[]): Record<string, string> {
  return overrides.length === 0 ? {} : { 'mmx.overrides': JSON.stringify(overrides) };
}
