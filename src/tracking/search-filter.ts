/**
 * MLflow's run search language, evaluated locally (the file store has no server to do it):
 *
 *   metrics.val_accuracy > 0.9 and params.fusion.type = 'gated' and tags.`mmx.backend` != 'cpu'
 *   attributes.status = 'FINISHED' and attributes.run_name LIKE 'avmnist-%'
 *
 * The subset follows MLflow's `SearchUtils` (mlflow/utils/search_utils.py, 2.x):
 *   - comparisons joined by AND (case-insensitive); MLflow has no OR, and neither has this;
 *   - `<entity>.<key>` where entity is metric(s) | param(s) | parameter(s) | tag(s) |
 *     attribute(s) | attr | run; the key is everything after the first dot (so `params.a.b` is the
 *     param `a.b`), or a quoted key: metrics."my key", tags.`mlflow.runName`;
 *   - metrics and numeric attributes (start_time, end_time): = != > >= < <= against a number;
 *   - params and tags: = != LIKE ILIKE against a quoted string;
 *   - string attributes (run_id, run_name, status, user_id, artifact_uri, lifecycle_stage):
 *     = != LIKE ILIKE, and IN / NOT IN ('a', 'b');
 *   - LIKE: `%` any run of characters, `_` one character; LIKE is case-sensitive, ILIKE is not.
 * A run that lacks the metric, param or tag a comparison names does not match it (as in MLflow,
 * where the comparison is a join), `!=` included. Metrics compare against the latest value.
 *
 * Order-by clauses follow MLflow too: `metrics.acc DESC`, `attributes.start_time`, `params.lr ASC`;
 * runs without the value sort last; the default order is start_time DESC, then run_id.
 */
import { TrackingError } from './errors.js';
import type { RunData } from './tracker.js';

export type EntityType = 'metric' | 'param' | 'tag' | 'attribute';

export type Comparator = '=' | '!=' | '>' | '>=' | '<' | '<=' | 'LIKE' | 'ILIKE' | 'IN' | 'NOT IN';

export interface Comparison {
  type: EntityType;
  key: string;
  comparator: Comparator;
  /** a number for metrics and numeric attributes; a string; a list of strings for IN / NOT IN */
  value: number | string | string[];
}

export interface OrderClause {
  type: EntityType;
  key: string;
  ascending: boolean;
}

const ENTITY_ALIASES: Record<string, EntityType> = {
  metric: 'metric',
  metrics: 'metric',
  param: 'param',
  params: 'param',
  parameter: 'param',
  parameters: 'param',
  tag: 'tag',
  tags: 'tag',
  attribute: 'attribute',
  attributes: 'attribute',
  attr: 'attribute',
  run: 'attribute',
};

const NUMERIC_ATTRIBUTES = new Set(['start_time', 'end_time', 'created']);
const STRING_ATTRIBUTES = new Set(['run_id', 'run_name', 'status', 'user_id', 'artifact_uri', 'lifecycle_stage', 'run_uuid']);
const NUMERIC_COMPARATORS: readonly Comparator[] = ['=', '!=', '>', '>=', '<', '<='];
const STRING_COMPARATORS: readonly Comparator[] = ['=', '!=', 'LIKE', 'ILIKE'];
const STRING_ATTRIBUTE_COMPARATORS: readonly Comparator[] = ['=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'];

export class SearchFilterError extends TrackingError {
  constructor(message: string) {
    super(message, 'INVALID_PARAMETER_VALUE');
    this.name = 'SearchFilterError';
  }
}

// ------------------------------------------------------------------ tokenizer

type Token =
  | { kind: 'ident'; text: string; pos: number }
  | { kind: 'string'; text: string; quote: string; pos: number }
  | { kind: 'number'; value: number; text: string; pos: number }
  | { kind: 'op'; text: string; pos: number }
  | { kind: 'punct'; text: '(' | ')' | ',' | '.'; pos: number };

const IDENT_START = /[\p{L}_]/u;
const IDENT_PART = /[\p{L}\p{N}_]/u;

function unterminated(input: string, pos: number, quote: string): never {
  throw new SearchFilterError(`Invalid filter '${input}': the ${quote}-quoted text starting at character ${pos + 1} is not closed.`);
}

export function tokenize(input: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const pos = i;
    if (c === "'" || c === '"' || c === '`') {
      let text = '';
      i++;
      for (;;) {
        if (i >= input.length) unterminated(input, pos, c);
        const d = input[i]!;
        if (d === '\\' && i + 1 < input.length) {
          text += input[i + 1]!;
          i += 2;
          continue;
        }
        if (d === c) {
          if (input[i + 1] === c) {
            // SQL-style doubled quote
            text += c;
            i += 2;
            continue;
          }
          i++;
          break;
        }
        text += d;
        i++;
      }
      out.push({ kind: 'string', text, quote: c, pos });
      continue;
    }
    const prev = out.at(-1);
    // `.` right after a name or a quoted key separates key parts; it never starts a number there
    const dotAfterName = c === '.' && prev !== undefined && (prev.kind === 'ident' || prev.kind === 'string') && lastEnd(prev) === i;
    const num = dotAfterName ? null : /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(input.slice(i));
    if (num && (c !== '.' || /\d/.test(input[i + 1] ?? '')) && !(prev?.kind === 'punct' && prev.text === '.')) {
      // a sign only starts a number where a value is expected (after an operator)
      if ((c === '+' || c === '-') && out.at(-1)?.kind !== 'op') {
        throw new SearchFilterError(`Invalid filter '${input}': unexpected '${c}' at character ${pos + 1}.`);
      }
      out.push({ kind: 'number', value: Number(num[0]), text: num[0], pos });
      i += num[0].length;
      continue;
    }
    if (IDENT_START.test(c) || (/\d/.test(c) && out.at(-1)?.kind === 'punct' && out.at(-1)?.text === '.')) {
      let j = i + 1;
      while (j < input.length && IDENT_PART.test(input[j]!)) j++;
      out.push({ kind: 'ident', text: input.slice(i, j), pos });
      i = j;
      continue;
    }
    const two = input.slice(i, i + 2);
    if (two === '>=' || two === '<=' || two === '!=' || two === '<>' || two === '==') {
      out.push({ kind: 'op', text: two === '<>' ? '!=' : two === '==' ? '=' : two, pos });
      i += 2;
      continue;
    }
    if (c === '=' || c === '<' || c === '>') {
      out.push({ kind: 'op', text: c, pos });
      i++;
      continue;
    }
    if (c === '(' || c === ')' || c === ',' || c === '.') {
      out.push({ kind: 'punct', text: c, pos });
      i++;
      continue;
    }
    throw new SearchFilterError(
      `Invalid filter '${input}': unexpected character '${c}' at character ${pos + 1} ` +
        '(quote keys with other characters than letters, digits, _ and ., e.g. metrics.`val-loss`).',
    );
  }
  return out;
}

// ------------------------------------------------------------------ parser

class Parser {
  private i = 0;

  constructor(
    private readonly input: string,
    private readonly tokens: Token[],
    private readonly what: string,
  ) {}

  done(): boolean {
    return this.i >= this.tokens.length;
  }

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }

  private next(expected: string): Token {
    const t = this.tokens[this.i];
    if (t === undefined) this.fail(`expected ${expected} but the ${this.what} ends`);
    this.i++;
    return t;
  }

  fail(message: string, at?: Token): never {
    const where = at ? ` at character ${at.pos + 1}` : '';
    throw new SearchFilterError(`Invalid ${this.what} '${this.input}': ${message}${where}.`);
  }

  isKeyword(word: string): boolean {
    const t = this.peek();
    return t?.kind === 'ident' && t.text.toUpperCase() === word;
  }

  /** `entity.key`, the key bare (dots allowed) or quoted */
  identifier(): { type: EntityType; key: string } {
    const t = this.next('a name such as metrics.accuracy');
    if (t.kind === 'string' && t.quote !== "'") {
      // "metrics.acc" as one quoted identifier
      const dot = t.text.indexOf('.');
      const type = dot > 0 ? ENTITY_ALIASES[t.text.slice(0, dot).toLowerCase()] : undefined;
      if (type === undefined || dot === t.text.length - 1) this.fail(`'${t.text}' is not of the form <entity>.<key>`, t);
      return { type, key: t.text.slice(dot + 1) };
    }
    if (t.kind !== 'ident') this.fail(`expected a name such as metrics.accuracy, found '${tokenText(t)}'`, t);
    const type = ENTITY_ALIASES[t.text.toLowerCase()];
    if (type === undefined) {
      this.fail(
        `'${t.text}' is not a valid entity type (use metrics., params., tags. or attributes.; ` +
          `keys need their prefix, e.g. metrics.${t.text})`,
        t,
      );
    }
    const dot = this.next("'.' and a key");
    if (dot.kind !== 'punct' || dot.text !== '.') this.fail(`expected '.' after '${t.text}'`, dot);
    const first = this.next('a key');
    if (first.kind === 'string') {
      if (first.text === '') this.fail('empty key', first);
      return { type, key: first.text };
    }
    if (first.kind !== 'ident' && first.kind !== 'number') this.fail(`expected a key after '${t.text}.'`, first);
    let key = first.kind === 'ident' ? first.text : first.text;
    // bare keys run on through dots: params.training.optimizer.type
    for (;;) {
      const d = this.peek();
      const after = this.tokens[this.i + 1];
      if (
        d?.kind === 'punct' &&
        d.text === '.' &&
        after !== undefined &&
        (after.kind === 'ident' || after.kind === 'number') &&
        after.pos === d.pos + 1 &&
        d.pos === lastEnd(this.tokens[this.i - 1]!)
      ) {
        key += '.' + (after.kind === 'ident' ? after.text : after.text);
        this.i += 2;
        continue;
      }
      if (d?.kind === 'number' && d.text.startsWith('.') && d.pos === lastEnd(this.tokens[this.i - 1]!)) {
        // "a.5" tokenised as ident + number
        key += d.text;
        this.i++;
        continue;
      }
      break;
    }
    return { type, key };
  }

  comparator(): Comparator {
    const t = this.next('a comparison operator');
    if (t.kind === 'op') return t.text as Comparator;
    if (t.kind === 'ident') {
      const w = t.text.toUpperCase();
      if (w === 'LIKE' || w === 'ILIKE' || w === 'IN') return w;
      if (w === 'NOT' && this.isKeyword('IN')) {
        this.i++;
        return 'NOT IN';
      }
    }
    this.fail(`expected a comparison operator (=, !=, >, >=, <, <=, LIKE, ILIKE, IN), found '${tokenText(t)}'`, t);
  }

  stringValue(): string {
    const t = this.next('a quoted string');
    if (t.kind === 'string' && t.quote !== '`') return t.text;
    this.fail(`expected a quoted string, found '${tokenText(t)}'`, t);
  }

  numberValue(): number {
    const t = this.next('a number');
    if (t.kind === 'number') return t.value;
    this.fail(`expected a number, found '${tokenText(t)}'`, t);
  }

  stringList(): string[] {
    const open = this.next("'('");
    if (open.kind !== 'punct' || open.text !== '(') this.fail("expected a parenthesised list such as ('a', 'b')", open);
    const values: string[] = [this.stringValue()];
    for (;;) {
      const t = this.next("',' or ')'");
      if (t.kind === 'punct' && t.text === ')') return values;
      if (t.kind === 'punct' && t.text === ',') {
        values.push(this.stringValue());
        continue;
      }
      this.fail(`expected ',' or ')', found '${tokenText(t)}'`, t);
    }
  }

  comparison(): Comparison {
    const start = this.peek();
    const { type, key } = this.identifier();
    const compTok = this.peek();
    const comparator = this.comparator();
    const label = `${type === 'attribute' ? 'attributes' : `${type}s`}.${key}`;
    const allowed = (list: readonly Comparator[], kind: string): void => {
      if (!list.includes(comparator)) {
        this.fail(`'${comparator}' cannot compare ${kind} ${label} (allowed: ${list.join(', ')})`, compTok);
      }
    };
    switch (type) {
      case 'metric':
        allowed(NUMERIC_COMPARATORS, 'the metric');
        return { type, key, comparator, value: this.numberValue() };
      case 'param':
      case 'tag':
        allowed(STRING_COMPARATORS, type === 'param' ? 'the param' : 'the tag');
        return { type, key, comparator, value: this.stringValue() };
      case 'attribute': {
        const attr = key.toLowerCase();
        if (NUMERIC_ATTRIBUTES.has(attr)) {
          allowed(NUMERIC_COMPARATORS, 'the numeric attribute');
          return { type, key: attr === 'created' ? 'start_time' : attr, comparator, value: this.numberValue() };
        }
        if (STRING_ATTRIBUTES.has(attr)) {
          allowed(STRING_ATTRIBUTE_COMPARATORS, 'the attribute');
          const value = comparator === 'IN' || comparator === 'NOT IN' ? this.stringList() : this.stringValue();
          return { type, key: attr === 'run_uuid' ? 'run_id' : attr, comparator, value };
        }
        this.fail(
          `'${key}' is not a searchable attribute (use one of ${[...STRING_ATTRIBUTES, 'start_time', 'end_time'].filter((a) => a !== 'run_uuid').join(', ')})`,
          start,
        );
      }
    }
  }

  filter(): Comparison[] {
    const out: Comparison[] = [];
    if (this.done()) return out;
    for (;;) {
      out.push(this.comparison());
      if (this.done()) return out;
      const t = this.next("'and'");
      if (t.kind === 'ident' && t.text.toUpperCase() === 'AND') continue;
      if (t.kind === 'ident' && t.text.toUpperCase() === 'OR') {
        this.fail("MLflow's search syntax has no OR: run one search per alternative", t);
      }
      this.fail(`expected 'and' between comparisons, found '${tokenText(t)}'`, t);
    }
  }

  orderClause(): OrderClause {
    const { type, key } = this.identifier();
    let ascending = true;
    if (this.isKeyword('ASC')) this.i++;
    else if (this.isKeyword('DESC')) {
      this.i++;
      ascending = false;
    }
    if (!this.done()) this.fail(`unexpected '${tokenText(this.peek()!)}' (expected ASC or DESC)`, this.peek());
    if (type === 'attribute') {
      const attr = key.toLowerCase();
      if (!NUMERIC_ATTRIBUTES.has(attr) && !STRING_ATTRIBUTES.has(attr)) this.fail(`'${key}' is not an attribute runs can be ordered by`);
      return { type, key: attr === 'created' ? 'start_time' : attr === 'run_uuid' ? 'run_id' : attr, ascending };
    }
    return { type, key, ascending };
  }
}

function tokenText(t: Token): string {
  if (t.kind === 'string') return `${t.quote}${t.text}${t.quote}`;
  return t.text;
}

function lastEnd(t: Token): number {
  if (t.kind === 'string') return t.pos + t.text.length + 2;
  return t.pos + t.text.length;
}

/** Parse an MLflow search filter; an empty or blank filter matches every run. */
export function parseFilter(filter: string | undefined): Comparison[] {
  if (filter === undefined || filter.trim() === '') return [];
  return new Parser(filter, tokenize(filter), 'filter').filter();
}

/** Parse one order-by clause (`metrics.acc DESC`). */
export function parseOrderBy(clause: string): OrderClause {
  const p = new Parser(clause, tokenize(clause), 'order_by clause');
  if (p.done()) p.fail('empty clause');
  return p.orderClause();
}

// ------------------------------------------------------------------ evaluator

function likeToRegExp(pattern: string, caseInsensitive: boolean): RegExp {
  let re = '';
  for (const ch of pattern) {
    if (ch === '%') re += '[\\s\\S]*';
    else if (ch === '_') re += '[\\s\\S]';
    else re += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, caseInsensitive ? 'iu' : 'u');
}

function attributeValue(run: RunData, key: string): string | number | undefined {
  const i = run.info;
  switch (key) {
    case 'run_id':
      return i.runId;
    case 'run_name':
      return i.runName || run.tags['mlflow.runName'];
    case 'status':
      return i.status;
    case 'user_id':
      return i.userId ?? run.tags['mlflow.user'];
    case 'artifact_uri':
      return i.artifactUri;
    case 'lifecycle_stage':
      return i.lifecycleStage ?? 'active';
    case 'start_time':
      return i.startTime;
    case 'end_time':
      return i.endTime;
    default:
      return undefined;
  }
}

/** The value a comparison or order clause looks at, or undefined when the run lacks it. */
export function runValue(run: RunData, type: EntityType, key: string): string | number | undefined {
  switch (type) {
    case 'metric':
      return Object.prototype.hasOwnProperty.call(run.metrics, key) ? run.metrics[key] : undefined;
    case 'param':
      return Object.prototype.hasOwnProperty.call(run.params, key) ? run.params[key] : undefined;
    case 'tag':
      return Object.prototype.hasOwnProperty.call(run.tags, key) ? run.tags[key] : undefined;
    case 'attribute':
      return attributeValue(run, key);
  }
}

function compare(actual: string | number, c: Comparison): boolean {
  const v = c.value;
  switch (c.comparator) {
    case '=':
      return actual === v;
    case '!=':
      return actual !== v;
    case '>':
      return typeof actual === 'number' && actual > (v as number);
    case '>=':
      return typeof actual === 'number' && actual >= (v as number);
    case '<':
      return typeof actual === 'number' && actual < (v as number);
    case '<=':
      return typeof actual === 'number' && actual <= (v as number);
    case 'LIKE':
      return likeToRegExp(v as string, false).test(String(actual));
    case 'ILIKE':
      return likeToRegExp(v as string, true).test(String(actual));
    case 'IN':
      return (v as string[]).includes(String(actual));
    case 'NOT IN':
      return !(v as string[]).includes(String(actual));
  }
}

export function matchesComparison(run: RunData, c: Comparison): boolean {
  const actual = runValue(run, c.type, c.key);
  if (actual === undefined) return false;
  if (c.type === 'attribute' && typeof c.value === 'number' && typeof actual !== 'number') return false;
  return compare(actual, c);
}

/** Whether a run satisfies every comparison of a parsed filter. */
export function matchesFilter(run: RunData, filter: Comparison[]): boolean {
  return filter.every((c) => matchesComparison(run, c));
}

/** Compile a filter string into a predicate (throws SearchFilterError on a bad filter). */
export function compileFilter(filter: string | undefined): (run: RunData) => boolean {
  const parsed = parseFilter(filter);
  return (run) => matchesFilter(run, parsed);
}

function cmpValues(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
    if (Number.isNaN(b)) return -1;
    return a - b;
  }
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** Sort runs by MLflow order-by clauses (missing values last); default start_time DESC, then run_id. */
export function sortRuns(runs: RunData[], orderBy: string[] = []): RunData[] {
  const clauses = orderBy.map(parseOrderBy);
  if (!clauses.some((c) => c.type === 'attribute' && c.key === 'start_time')) {
    clauses.push({ type: 'attribute', key: 'start_time', ascending: false });
  }
  clauses.push({ type: 'attribute', key: 'run_id', ascending: true });
  return [...runs].sort((x, y) => {
    for (const c of clauses) {
      const a = runValue(x, c.type, c.key);
      const b = runValue(y, c.type, c.key);
      if (a === undefined && b === undefined) continue;
      if (a === undefined) return 1;
      if (b === undefined) return -1;
      const d = cmpValues(a, b);
      if (d !== 0) return c.ascending ? d : -d;
    }
    return 0;
  });
}
