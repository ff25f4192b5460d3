/**
 * Checks a config against the JSON Schema (with Ajv, applying the schema's defaults) and turns Ajv's
 * errors into issues a person can act on: a location, the key path, what was expected, a did-you-mean.
 * The Ajv validator is compiled ahead of time (`npm run schema`, see validator-code.ts): nothing is
 * compiled at run time.
 */
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import { validate as generatedValidate } from './generated/experiment-validator.js';
import { experimentJsonSchema } from './schema.js';
import { applyContextDefaults } from './context-defaults.js';
import { didYouMean, suggestion } from '../config/did-you-mean.js';
import { dotted, type ConfigIssue } from '../config/issues.js';
import type { KeyPath, SourceMap } from '../config/source-map.js';

const validator = (): ValidateFunction => generatedValidate as unknown as ValidateFunction;

type Schema = Record<string, unknown> & {
  properties?: Record<string, unknown>;
  oneOf?: Schema[];
  anyOf?: Schema[];
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
};

const pathOf = (pointer: string): (string | number)[] =>
  pointer === ''
    ? []
    : pointer
        .slice(1)
        .split('/')
        .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
        .map((s) => (/^\d+$/.test(s) ? Number(s) : s));

const show = (v: unknown): string => (typeof v === 'string' ? `'${v}'` : (JSON.stringify(v) ?? String(v)));

function whatIs(path: KeyPath): string {
  const last = path[path.length - 1];
  if (path[0] === 'inputs' && path.length === 2) return 'input type';
  if (last === 'encoder') return 'encoder type';
  if (last === 'fusion') return 'fusion type';
  return 'type';
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** What a value is, for "got ..." */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null (an empty value)';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a section (key: value map)';
  if (typeof v === 'number' && !Number.isFinite(v)) return Number.isNaN(v) ? 'NaN (.nan)' : `${v < 0 ? '-' : ''}infinity (.inf)`;
  if (typeof v === 'string') return `the text ${show(v)}`;
  return `${typeof v} ${show(v)}`;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'text',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a section (key: value map)',
  null: 'null',
};

const typeWords = (t: unknown): string => (Array.isArray(t) ? t : [t]).map((x) => TYPE_WORDS[String(x)] ?? String(x)).join(' or ');

/** A schema in a few words: `'auto'`, `a whole number from 1 to 256`, `a list`. */
function describeSchema(s: Schema): string {
  if ('const' in s) return show(s.const);
  if (s.enum) return s.enum.map(show).join(' or ');
  const t = s.type;
  if (t === 'integer' || t === 'number') {
    const lo = s.minimum ?? s.exclusiveMinimum;
    const hi = s.maximum ?? s.exclusiveMaximum;
    const base = typeWords(t);
    if (typeof lo === 'number' && typeof hi === 'number') return `${base} from ${lo} to ${hi}`;
    if (typeof lo === 'number') return `${base} ${s.minimum !== undefined ? 'of at least' : 'greater than'} ${lo}`;
    if (typeof hi === 'number') return `${base} ${s.maximum !== undefined ? 'of at most' : 'less than'} ${hi}`;
    return base;
  }
  if (t === 'array' && s.items && typeof s.items === 'object' && (s.items as Schema).type === 'string') return 'a list of text values';
  return typeWords(t);
}

const COMPARISON: Record<string, string> = { '>=': 'at least', '<=': 'at most', '>': 'greater than', '<': 'less than' };

/** The Ajv error keywords the schema can produce, each turned into one sentence below (a test keeps this complete). */
export const HANDLED_KEYWORDS = [
  'additionalProperties',
  'required',
  'discriminator',
  'enum',
  'const',
  'type',
  'oneOf',
  'anyOf',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'minLength',
  'maxLength',
  'uniqueItems',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'pattern',
  'if', // never on its own: the `then` / `else` branch's own error says what is wrong
] as const;

function toIssue(e: ErrorObject, value: unknown, sources: SourceMap): ConfigIssue | undefined {
  const path = pathOf(e.instancePath);
  const at = (p: KeyPath, preferKey = false) => sources.locate(p, preferKey) ?? { file: '?' };
  const here = { ...at(path), path: dotted(path) };
  const parent = (e.parentSchema ?? {}) as Schema;
  const limit = (e.params as { limit?: number }).limit ?? 0;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = (e.params as { additionalProperty: string }).additionalProperty;
      const full = [...path, key];
      if (path.length === 1 && path[0] === 'inputs') {
        return {
          ...at(full, true),
          path: dotted(full),
          message: `input name '${key}' is not allowed`,
          hint: 'start with a letter; use letters, digits and _',
        };
      }
      if (path.length === 2 && path[0] === 'sweep' && path[1] === 'parameters') {
        return {
          ...at(full, true),
          path: dotted(full),
          message: `'${key}' is not a config path`,
          hint: 'write the dotted path of a key, e.g. training.optimizer.learning_rate',
        };
      }
      const known = Object.keys(parent.properties ?? {});
      // `--set sweep.parameters.fusion.type.values=...` reads as parameter `fusion` with a key `type`
      const hint =
        path.length === 3 && path[0] === 'sweep' && path[1] === 'parameters' && didYouMean(key, known) === undefined
          ? `a parameter is one entry per config path; with --set, quote a path that has dots: sweep.parameters["${String(path[2])}.${key}"]`
          : suggestion(key, known, 'one of the keys');
      return { ...at(full, true), path: dotted(full), message: `unknown key '${key}'`, hint };
    }
    case 'required': {
      const key = (e.params as { missingProperty: string }).missingProperty;
      return { ...at(path, true), path: dotted([...path, key]), message: `missing required key '${key}'` };
    }
    case 'discriminator': {
      const p = e.params as { error: string; tag: string; tagValue?: unknown };
      const types = (parent.oneOf ?? []).map((b) => String((b.properties?.type as { const?: unknown } | undefined)?.const));
      if (p.error === 'mapping') {
        return {
          ...at([...path, 'type']),
          path: dotted([...path, 'type']),
          message: `unknown ${whatIs(path)} ${show(p.tagValue)}`,
          hint: suggestion(String(p.tagValue), types),
        };
      }
      return {
        ...at(path, true),
        path: dotted([...path, 'type']),
        message: `missing 'type'`,
        hint: `expected one of: ${types.map((t) => `'${t}'`).join(', ')}`,
      };
    }
    case 'enum': {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues;
      return { ...here, message: `${show(value)} is not allowed`, hint: suggestion(String(value), allowed.map(String)) };
    }
    case 'const':
      return { ...here, message: `must be ${show((e.params as { allowedValue: unknown }).allowedValue)}, got ${describeValue(value)}` };
    case 'type': {
      if (typeof value === 'number' && !Number.isFinite(value)) {
        return {
          ...here,
          message: `${describeValue(value)} is not allowed: expected ${typeWords((e.params as { type: unknown }).type)}`,
          hint: 'NaN and infinity are not numbers a config can use; write a finite value',
        };
      }
      return { ...here, message: `expected ${typeWords((e.params as { type: unknown }).type)}, got ${describeValue(value)}` };
    }
    case 'oneOf': {
      // `{path} or {dataset}`, `{column} or {ratios}`: a oneOf over which key is present (discriminated unions report above)
      const keys = (parent.oneOf ?? []).flatMap((b) => (Array.isArray(b.required) ? (b.required as string[]) : []));
      const both = (e.params as { passingSchemas?: unknown }).passingSchemas != null;
      const last = path[path.length - 1];
      const example =
        last === 'split'
          ? 'e.g. split: {column: split} or split: {ratios: {train: 0.8, validation: 0.1, test: 0.1}}'
          : last === 'data'
            ? 'e.g. data: {path: manifest.csv, ...} or data: {dataset: avmnist, ...}'
            : undefined;
      const list = keys.map((k) => `\`${k}\``).join(' or ');
      return {
        ...here,
        message: both ? `give only one of ${list}, not both` : `give exactly one of ${list}`,
        ...(example ? { hint: example } : {}),
      };
    }
    case 'anyOf': {
      const branches = (parent.anyOf ?? []) as Schema[];
      return { ...here, message: `expected ${branches.map(describeSchema).join(' or ')}, got ${describeValue(value)}` };
    }
    case 'minItems':
      return {
        ...here,
        message: limit === 1 ? 'must not be an empty list' : `needs at least ${plural(limit, 'item')}, got ${lengthOf(value)}`,
      };
    case 'maxItems':
      return { ...here, message: `has ${plural(lengthOf(value), 'item')}, at most ${limit} allowed` };
    case 'minProperties':
      return {
        ...here,
        message: limit === 1 ? 'must not be empty' : `needs at least ${plural(limit, 'entry', 'entries')}, got ${lengthOf(value)}`,
        ...(path.length === 1 && path[0] === 'inputs'
          ? { hint: 'add an input, e.g. inputs: {image: {type: image, column: image_path}}' }
          : {}),
      };
    case 'maxProperties':
      return { ...here, message: `has ${plural(lengthOf(value), 'entry', 'entries')}, at most ${limit} allowed` };
    case 'minLength':
      return {
        ...here,
        message: limit === 1 ? 'must not be empty' : `must be at least ${plural(limit, 'character')} long, got ${lengthOf(value)}`,
      };
    case 'maxLength':
      return { ...here, message: `is ${plural(lengthOf(value), 'character')} long, at most ${limit} allowed` };
    case 'uniqueItems': {
      const { i, j } = e.params as { i: number; j: number };
      const item = Array.isArray(value) ? value[i] : undefined;
      return { ...here, message: `lists ${show(item)} twice (items ${Math.min(i, j)} and ${Math.max(i, j)})`, hint: 'remove the repeat' };
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const p = e.params as { comparison: string; limit: number };
      return { ...here, message: `must be ${COMPARISON[p.comparison] ?? p.comparison} ${p.limit}, got ${show(value)}` };
    }
    case 'multipleOf':
      return { ...here, message: `must be a multiple of ${(e.params as { multipleOf: number }).multipleOf}, got ${show(value)}` };
    case 'pattern':
      return {
        ...here,
        message: `${show(value)} has characters that are not allowed`,
        hint: String(parent.description ?? `pattern ${(e.params as { pattern: string }).pattern}`),
      };
    case 'if':
      return undefined; // always accompanied by a more precise error
    default:
      return { ...here, message: e.message ?? e.keyword };
  }
}

const lengthOf = (v: unknown): number =>
  Array.isArray(v) ? v.length : typeof v === 'string' ? [...v].length : v && typeof v === 'object' ? Object.keys(v).length : 0;

/**
 * The errors worth reporting, one per problem: a union (`anyOf`, or a `oneOf` over which key is present) gets one
 * sentence instead of one error per branch — unless the value has the type of one branch and fails inside it (a
 * number below a minimum, a bad entry in a map), which is then reported as that branch's own errors. A `type`
 * error beside an `enum` error at the same place is left out (the enum's message lists the allowed values).
 */
function relevantErrors(errors: readonly ErrorObject[]): ErrorObject[] {
  // (and a section missing its discriminating `type` is reported once, by the discriminator)
  const dropped = new Set<ErrorObject>();
  const isUnion = (e: ErrorObject): boolean =>
    e.keyword === 'anyOf' || (e.keyword === 'oneOf' && !(e.parentSchema as Schema | undefined)?.discriminator);
  for (const u of errors.filter(isUnion)) {
    const prefix = `${u.schemaPath}/`;
    const inside = errors.filter((e) => e !== u && e.schemaPath.startsWith(prefix));
    for (const e of inside) dropped.add(e);
    if (u.keyword !== 'anyOf') continue;
    const branch = (e: ErrorObject): number => Number(e.schemaPath.slice(prefix.length).split('/')[0]);
    const branches = [...new Set(inside.map(branch))];
    const typed = branches.find((k) =>
      inside.every((e) => branch(e) !== k || !(e.instancePath === u.instancePath && e.keyword === 'type')),
    );
    if (typed === undefined) continue;
    const own = inside.filter((e) => branch(e) === typed);
    // failing only its const / enum (e.g. 'autoo' for 'auto'): the union's sentence says more
    if (own.every((e) => e.instancePath === u.instancePath && (e.keyword === 'const' || e.keyword === 'enum'))) continue;
    for (const e of own) dropped.delete(e);
    dropped.add(u);
  }
  const enumAt = new Set(errors.filter((e) => e.keyword === 'enum' && !dropped.has(e)).map((e) => e.instancePath));
  // a missing `type` of a discriminated section: the discriminator's error lists the types
  const tagAt = new Set(
    errors.filter((e) => e.keyword === 'discriminator').map((e) => `${e.instancePath}|${(e.params as { tag: string }).tag}`),
  );
  const missingTag = (e: ErrorObject): boolean =>
    e.keyword === 'required' && tagAt.has(`${e.instancePath}|${(e.params as { missingProperty: string }).missingProperty}`);
  return errors.filter((e) => !dropped.has(e) && !(e.keyword === 'type' && enumAt.has(e.instancePath)) && !missingTag(e));
}

/**
 * A discriminated section written without `type` (say `encoder: {filters: [8]}` or `--set fusion.hidden=[]`)
 * takes the type of the section's default, as if the user had written it.
 */
function fillDefaultTypes(schema: Schema, data: unknown): void {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return;
  const obj = data as Record<string, unknown>;
  if (schema.discriminator && schema.oneOf) {
    const branch = schema.oneOf.find((b) => (b.properties?.type as { const?: unknown } | undefined)?.const === obj.type);
    if (branch) fillDefaultTypes(branch, obj);
    return;
  }
  const visit = (sub: Schema, value: unknown): void => {
    const def = sub.default as { type?: unknown } | undefined;
    if (
      sub.discriminator &&
      def?.type !== undefined &&
      value !== null &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      !('type' in value)
    ) {
      (value as Record<string, unknown>).type = def.type;
    }
    fillDefaultTypes(sub, value);
  };
  for (const [key, sub] of Object.entries(schema.properties ?? {})) if (key in obj) visit(sub as Schema, obj[key]);
  const patterns = (schema as { patternProperties?: Record<string, Schema> }).patternProperties;
  if (patterns) {
    for (const [key, value] of Object.entries(obj)) {
      for (const [re, sub] of Object.entries(patterns)) if (new RegExp(re, 'u').test(key)) visit(sub, value);
    }
  }
}

/** Sets the value at `path` in a config tree (the path exists: Ajv reported a value there). */
function setAt(root: unknown, path: KeyPath, value: unknown): void {
  let node = root as Record<string | number, unknown>;
  for (const seg of path.slice(0, -1)) node = node[seg] as Record<string | number, unknown>;
  node[path[path.length - 1]!] = value;
}

/**
 * Validates in place (defaults are filled in); returns the issues, empty when valid. A scalar that was typed from
 * text — an interpolated `${VAR}` or a `--set` value (see Origin.text) — is given back as its text where the schema
 * wants text (`name: ${RUN}` with RUN=123 is the name '123'); `onRetype` hears of each such change.
 */
export function validateAgainstSchema(
  config: unknown,
  sources: SourceMap,
  onRetype?: (path: KeyPath, text: string) => void,
): ConfigIssue[] {
  const validate = validator();
  const issues: ConfigIssue[] = applyContextDefaults(config, sources);
  fillDefaultTypes(experimentJsonSchema() as Schema, config);
  if (validate(config)) return issues;
  let errors = [...(validate.errors ?? [])];
  const retype = new Map<string, { path: KeyPath; text: string }>();
  // only where text is the one thing wanted: in a union (`'auto'` or a number) the typed value may fit another branch
  const unions = new Set(errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf').map((e) => e.instancePath));
  for (const e of errors) {
    const wanted = (e.params as { type?: unknown }).type;
    if (e.keyword !== 'type' || unions.has(e.instancePath) || !(Array.isArray(wanted) ? wanted : [wanted]).includes('string')) continue;
    const path = pathOf(e.instancePath);
    const text = sources.textOf(path);
    if (text !== undefined) retype.set(e.instancePath, { path, text });
  }
  if (retype.size > 0) {
    for (const { path, text } of retype.values()) {
      setAt(config, path, text);
      onRetype?.(path, text);
    }
    if (validate(config)) return issues;
    errors = [...(validate.errors ?? [])];
  }
  const seen = new Set<string>();
  for (const e of relevantErrors(errors)) {
    const issue = toIssue(e, e.data, sources);
    if (!issue) continue;
    const key = `${issue.path}|${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(issue);
  }
  return issues;
}
