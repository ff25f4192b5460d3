/**
 * Checks a config against the JSON Schema (with Ajv, applying the schema's defaults) and turns Ajv's
 * errors into issues a person can act on: a location, the key path, what was expected, a did-you-mean.
 * The Ajv validator is compiled ahead of time (`npm run schema`, see validator-code.ts): nothing is
 * compiled at run time.
 */
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import { validate as generatedValidate } from './generated/experiment-validator.js';
import { experimentJsonSchema } from './schema.js';
import { suggestion } from './did-you-mean.js';
import { dotted, type ConfigIssue } from './issues.js';
import type { KeyPath, SourceMap } from './source-map.js';

const validator = (): ValidateFunction => generatedValidate as unknown as ValidateFunction;

type Schema = Record<string, unknown> & { properties?: Record<string, unknown>; oneOf?: Schema[]; enum?: unknown[] };

const pathOf = (pointer: string): (string | number)[] =>
  pointer === ''
    ? []
    : pointer
        .slice(1)
        .split('/')
        .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
        .map((s) => (/^\d+$/.test(s) ? Number(s) : s));

const show = (v: unknown): string => (typeof v === 'string' ? `'${v}'` : JSON.stringify(v));

function whatIs(path: KeyPath): string {
  const last = path[path.length - 1];
  if (path[0] === 'inputs' && path.length === 2) return 'input type';
  if (last === 'encoder') return 'encoder type';
  if (last === 'fusion') return 'fusion type';
  return 'type';
}

function toIssue(e: ErrorObject, value: unknown, sources: SourceMap): ConfigIssue | undefined {
  const path = pathOf(e.instancePath);
  const at = (p: KeyPath, preferKey = false) => sources.locate(p, preferKey) ?? { file: '?' };
  const parent = (e.parentSchema ?? {}) as Schema;
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
      const known = Object.keys(parent.properties ?? {});
      return { ...at(full, true), path: dotted(full), message: `unknown key '${key}'`, hint: suggestion(key, known, 'one of the keys') };
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
      return {
        ...at(path),
        path: dotted(path),
        message: `${show(value)} is not allowed`,
        hint: suggestion(String(value), allowed.map(String)),
      };
    }
    case 'const':
      return {
        ...at(path),
        path: dotted(path),
        message: `must be ${show((e.params as { allowedValue: unknown }).allowedValue)}, got ${show(value)}`,
      };
    case 'type':
      return { ...at(path), path: dotted(path), message: `expected ${(e.params as { type: string }).type}, got ${describe(value)}` };
    case 'oneOf':
      if (path[path.length - 1] === 'split') {
        return {
          ...at(path),
          path: dotted(path),
          message: 'give exactly one of `column` or `ratios`',
          hint: 'e.g. split: {column: split} or split: {ratios: {train: 0.8, validation: 0.1, test: 0.1}}',
        };
      }
      return { ...at(path), path: dotted(path), message: e.message ?? 'does not match any allowed form' };
    case 'minItems':
    case 'maxItems':
    case 'minProperties':
    case 'maxProperties':
    case 'minLength':
    case 'maxLength':
    case 'uniqueItems':
      return { ...at(path), path: dotted(path), message: e.message ?? e.keyword };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const p = e.params as { comparison: string; limit: number };
      return { ...at(path), path: dotted(path), message: `must be ${p.comparison} ${p.limit}, got ${show(value)}` };
    }
    case 'pattern':
      return {
        ...at(path),
        path: dotted(path),
        message: `${show(value)} has characters that are not allowed`,
        hint: String(parent.description ?? `pattern ${(e.params as { pattern: string }).pattern}`),
      };
    case 'if':
    case 'anyOf':
      return undefined; // always accompanied by a more precise error
    default:
      return { ...at(path), path: dotted(path), message: e.message ?? e.keyword };
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null (an empty value)';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a section (key: value map)';
  return `${typeof v} ${show(v)}`;
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

/** Validates in place (defaults are filled in); returns the issues, empty when valid. */
export function validateAgainstSchema(config: unknown, sources: SourceMap): ConfigIssue[] {
  const validate = validator();
  fillDefaultTypes(experimentJsonSchema() as Schema, config);
  if (validate(config)) return [];
  const issues: ConfigIssue[] = [];
  const seen = new Set<string>();
  for (const e of validate.errors ?? []) {
    const issue = toIssue(e, e.data, sources);
    if (!issue) continue;
    const key = `${issue.path}|${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(issue);
  }
  return issues;
}
