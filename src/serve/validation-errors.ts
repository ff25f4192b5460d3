/**
 * A request that fails the body schema, said the way mmx says config problems: the field (`rows[2].age`), what is
 * wrong, and a did-you-mean for an unknown column — one message, the first problem Ajv found.
 */
import { suggestion } from '../config/did-you-mean.js';
import { ROW_FORMATS } from './request-schema.js';

export interface SchemaError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
}

/** `/rows/0/Review Text` → `rows[0]["Review Text"]`. */
export function fieldOf(pointer: string, extra?: string): string {
  const parts = pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra !== undefined) parts.push(extra);
  let out = '';
  for (const p of parts) {
    if (/^\d+$/.test(p)) out += `[${p}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(p)) out += out ? `.${p}` : p;
    else out += `[${JSON.stringify(p)}]`;
  }
  return out || 'body';
}

const FORMATS_HINT = `the body holds the rows as {"rows": [...]}, {"dataframe_records": [...]} or {"dataframe_split": {"columns": [...], "data": [...]}}`;

/** The message (and the field it names) for a schema error; `columns`: the model's columns, for a did-you-mean. */
export function describeSchemaError(e: SchemaError, columns: readonly string[]): { field: string; message: string } {
  const atRoot = e.instancePath === '';
  switch (e.keyword) {
    case 'required': {
      const missing = String(e.params['missingProperty']);
      return { field: fieldOf(e.instancePath, missing), message: `'${missing}' is missing: the model needs a value for it` };
    }
    case 'additionalProperties': {
      const key = String(e.params['additionalProperty']);
      if (atRoot) return { field: fieldOf('', key), message: `unknown key '${key}': ${FORMATS_HINT}` };
      if (e.instancePath === '/dataframe_split')
        return { field: fieldOf(e.instancePath, key), message: `unknown key '${key}' (dataframe_split holds columns, data and index)` };
      const hint = suggestion(key, columns, 'one of the columns');
      return { field: fieldOf(e.instancePath, key), message: `the model reads no column '${key}'${hint ? ` (${hint})` : ''}` };
    }
    case 'minProperties':
    case 'maxProperties':
      return { field: 'body', message: FORMATS_HINT };
    case 'type': {
      const t = e.params['type'];
      const types = (Array.isArray(t) ? t.map(String) : String(t).split(',')).map((x) =>
        x === 'null' ? 'null' : `${/^[aeiou]/.test(x) ? 'an' : 'a'} ${x}`,
      );
      return { field: fieldOf(e.instancePath), message: `must be ${types.join(' or ')}` };
    }
    case 'minItems':
      return { field: fieldOf(e.instancePath), message: `must hold at least ${String(e.params['limit'])}` };
    case 'maxItems':
      return {
        field: fieldOf(e.instancePath),
        message: `holds more than ${String(e.params['limit'])} rows, the most one request may hold (mmx serve --max-rows)`,
      };
    case 'uniqueItems':
      return { field: fieldOf(e.instancePath), message: 'a column is named twice' };
    default:
      return { field: fieldOf(e.instancePath), message: e.message ?? `fails ${e.keyword}` };
  }
}

export const isRowFormat = (key: string): key is (typeof ROW_FORMATS)[number] => (ROW_FORMATS as readonly string[]).includes(key);

/** Of all the errors Ajv found, the one that tells the most: an unknown key (often a typo that also makes a key missing) first. */
export function mostTelling(errors: readonly SchemaError[]): SchemaError | undefined {
  const first = errors[0];
  if (!first) return undefined;
  // the problems of the first row (or key) that has any, in the order of what they tell
  const rowOf = (e: SchemaError): string => e.instancePath.split('/').slice(0, 3).join('/');
  const rank = (e: SchemaError): number => ['additionalProperties', 'required', 'type'].indexOf(e.keyword) + 1 || 4;
  return errors.filter((e) => rowOf(e) === rowOf(first) || e.instancePath === '').sort((a, b) => rank(a) - rank(b))[0];
}
