/**
 * JSON text as Python's `json.dumps` writes it with its defaults (what MLflow's client and server store in tags and
 * model files): `", "` and `": "` separators, keys in insertion order, every non-ASCII character escaped as
 * `\uXXXX` (lowercase hex, UTF-16 units), integers without a fraction, floats as Python's `repr`.
 */
export type PyJsonValue = null | boolean | number | string | PyJsonValue[] | { [key: string]: PyJsonValue | undefined };

const escapeNonAscii = (text: string): string =>
  text.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/**
 * A number as Python writes it: a whole number as an int (`3`), others as `repr(float)`: the shortest digits that
 * read back, in exponent form (`1.5e-05`, `1e+16`) below 1e-4 and from 1e16; NaN and infinities as json.dumps does.
 */
function pyNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
  if (Number.isInteger(n) && Math.abs(n) < 1e16) return String(n);
  const abs = Math.abs(n);
  if (abs >= 1e16 || abs < 1e-4) {
    const [mantissa, exponent] = n.toExponential().split('e') as [string, string];
    const e = Number(exponent);
    return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  return String(n);
}

/** `json.dumps(value)` in Python's default formatting; object entries whose value is undefined are left out. */
export function pyJson(value: PyJsonValue): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return pyNumber(value);
  if (typeof value === 'string') return escapeNonAscii(JSON.stringify(value));
  if (Array.isArray(value)) return `[${value.map(pyJson).join(', ')}]`;
  const entries = Object.entries(value).filter((e): e is [string, PyJsonValue] => e[1] !== undefined);
  return `{${entries.map(([k, v]) => `${escapeNonAscii(JSON.stringify(k))}: ${pyJson(v)}`).join(', ')}}`;
}
