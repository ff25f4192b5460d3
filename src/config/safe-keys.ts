/**
 * Keys a config may not use, and the objects a config is built of. `__proto__`, `constructor` and `prototype`
 * name JavaScript's object internals: assigned through an ordinary object they would change its prototype (or,
 * from `--set __proto__.x=1`, every object's). They are refused by name wherever a key comes from a person — a
 * YAML key, an input name, a `--set` path, a sweep parameter path — and the objects built from user keys have no
 * prototype at all, so that no key could reach one even if a check were missed.
 */

export const FORBIDDEN_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype'];

export const isForbiddenKey = (key: string): boolean => FORBIDDEN_KEYS.includes(key);

export const forbiddenKeyMessage = (key: string): { message: string; hint: string } => ({
  message: `'${key}' cannot be used as a key (it names a JavaScript object internal)`,
  hint: 'rename it',
});

/** An empty object without a prototype, for building config sections from user keys. */
export function dict<T = unknown>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}
