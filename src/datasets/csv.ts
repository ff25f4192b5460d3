/**
 * CSV lines exactly as Python's `csv.writer` writes them with `lineterminator='\n'` and the default
 * QUOTE_MINIMAL: a field is quoted when it holds a comma, a double quote, CR or LF (quotes doubled
 * inside), and a row made of one empty field is written `""`. The shared manifests were written that way,
 * so these bytes are what a prepared manifest is compared with.
 */
const NEEDS_QUOTES = /[",\r\n]/;

export function csvField(value: string | number): string {
  const s = String(value);
  return NEEDS_QUOTES.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function csvRow(fields: readonly (string | number)[]): string {
  if (fields.length === 1 && fields[0] === '') return '""\n';
  return fields.map(csvField).join(',') + '\n';
}

export function csvDocument(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  let out = csvRow(header);
  for (const r of rows) out += csvRow(r);
  return out;
}

/** Assigns the stratified 70/10/20 split used by several sets: j-th item of its class → j mod 10. */
export function splitByRank(j: number): 'train' | 'validation' | 'test' {
  const r = j % 10;
  return r <= 6 ? 'train' : r === 7 ? 'validation' : 'test';
}
