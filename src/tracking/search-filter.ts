/**
 * MLflow's run search language (as MLflow 2.12 parses it: mlflow/utils/search_utils.py with sqlparse),
 * evaluated locally for the file store, which has no server to do it:
 *
 *   metrics.val_accuracy > 0.9 and params.fusion.type = 'gated' and tags.`mmx.backend` != 'cpu'
 *   status = 'FINISHED' and attributes.run_name LIKE 'avmnist-%' and attributes.run_id IN ('ab12', 'cd34')
 *
 * What MLflow accepts, and so what this accepts (anything else is a SearchFilterError, as MLflow's
 * INVALID_PARAMETER_VALUE):
 *   - comparisons joined by AND (any case); no OR, no parentheses around comparisons;
 *   - `<entity>.<key>`, split at the first dot (`params.a.b` is the param `a.b`); the entity, case-sensitive:
 *     metric(s) | param(s) | parameter(s) | tag(s) | attribute(s) | attr | run | dataset(s), optionally in
 *     backticks; the key bare (letters, digits, _ and dots) or quoted in backticks or double quotes
 *     (tags.`mlflow.runName`, metrics."val loss"). A name without an entity is an attribute (`status`);
 *   - attributes (case-sensitive): run_id, run_name, user_id, status, artifact_uri, start_time, end_time,
 *     and MLflow's aliases created / Created (start_time) and `run name` / `Run name` / `Run Name` (run_name);
 *     lifecycle_stage and others are not searchable;
 *   - metrics and start_time / end_time: = != > >= < <= against a number (`-1`, `.5`, `1e-3`; no `+`, no hex);
 *   - params and tags: = != LIKE ILIKE against a string in single or double quotes;
 *   - string attributes: = != LIKE ILIKE, and IN / NOT IN ('a', 'b') for run_id only (single quotes);
 *   - datasets.name | digest | context: = != LIKE ILIKE IN NOT IN against strings. mmx logs no dataset
 *     inputs, so such a comparison is valid and matches no mmx run;
 *   - comparators `<>` and `==` are not MLflow's; a quoted value is taken as written between its quotes.
 *   - LIKE: `%` any run of characters, `_` one character; LIKE is case-sensitive, ILIKE is not.
 * A run that lacks the metric, param or tag a comparison names does not match it (as in MLflow, where the
 * comparison is a join), `!=` included. Metrics compare against the latest value.
 *
 * Order-by clauses follow MLflow too: `metrics.acc DESC`, `attributes.start_time`, `params.lr ASC`;
 * runs without the value sort last; the default order is start_time DESC, then run_id.
 */
import { TrackingError } from './errors.js';
import type { RunData } from './tracker.js';

export type EntityType = 'metric' | 'param' | 'tag' | 'attribute' | 'dataset';

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
  dataset: 'dataset',
  datasets: 'dataset',
};

/** MLflow's searchable run attributes, with its aliases, and what each alias stands for. */
const ATTRIBUTE_KEYS: Record<string, string> = {
  run_id: 'run_id',
  run_name: 'run_name',
  user_id: 'user_id',
  status: 'status',
  artifact_uri: 'artifact_uri',
  start_time: 'start_time',
  end_time: 'end_time',
  created: 'start_time',
  Created: 'start_time',
  'run name': 'run_name',
  'Run name': 'run_name',
  'Run Name': 'run_name',
};
const NUMERIC_ATTRIBUTES = new Set(['start_time', 'end_time']);
const DATASET_KEYS = new Set(['name', 'digest', 'context']);
const NUMERIC_COMPARATORS: readonly Comparator[] = ['=', '!=', '>', '>=', '<', '<='];
const STRING_COMPARATORS: readonly Comparator[] = ['=', '!=', 'LIKE', 'ILIKE'];
const LIST_COMPARATORS: readonly Comparator[] = ['=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'];

export class SearchFilterError extends TrackingError {
  constructor(message: string) {
    super(message, 'INVALID_PARAMETER_VALUE');
    this.name = 'SearchFilterError';
  }
}

// ------------------------------------------------------------------ tokenizer

type Token =
  | { kind: 'ident'; text: string; pos: number; end: number }
  | { kind: 'string'; text: string; quote: "'" | '"' | '`'; pos: number; end: number }
  | { kind: 'number'; value: number; text: string; pos: number; end: number }
  | { kind: 'op'; text: string; pos: number; end: number }
  | { kind: 'punct'; text: '(' | ')' | ',' | '.'; pos: number; end: number };

const IDENT_START = /[\p{L}_]/u;
const IDENT_PART = /[\p{L}\p{N}_]/u;
/** sqlparse's numbers: integers, decimals, exponents (`1e-3`, `2E5`); a minus sign belongs to the number */
const NUMBER = /^-?(?:\d+(?:\.\d+)?[eE]-?\d+|\d+\.\d*|\.\d+|\d+)(?![\p{L}_])/u;

function unterminated(input: string, pos: number, quote: string): never {
  throw new SearchFilterError(`Invalid filter '${input}': the ${quote}-quoted text starting at character ${pos + 1} is not closed.`);
}

/**
 * The filter's tokens. A quoted text keeps what is between its quotes as written (MLflow strips the outer
 * quotes only); `''` or `\'` inside single quotes does not end the text.
 */
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
      i++;
      for (;;) {
        if (i >= input.length) unterminated(input, pos, c);
        const d = input[i]!;
        if (c !== '`' && d === '\\' && i + 1 < input.length) {
          i += 2;
          continue;
        }
        if (d === c) {
          if (c !== '`' && input[i + 1] === c) {
            i += 2;
            continue;
          }
          i++;
          break;
        }
        i++;
      }
      out.push({ kind: 'string', text: input.slice(pos + 1, i - 1), quote: c, pos, end: i });
      continue;
    }
    const prev = out.at(-1);
    const afterDot = prev?.kind === 'punct' && prev.text === '.' && prev.end === i;
    const num = afterDot ? null : NUMBER.exec(input.slice(i));
    // a minus sign starts a number only where a value is expected (after an operator)
    if (num && (c !== '-' || prev?.kind === 'op')) {
      out.push({ kind: 'number', value: Number(num[0]), text: num[0], pos, end: i + num[0].length });
      i += num[0].length;
      continue;
    }
    if (IDENT_START.test(c) || (afterDot && /\d/.test(c))) {
      let j = i + 1;
      while (j < input.length && IDENT_PART.test(input[j]!)) j++;
      out.push({ kind: 'ident', text: input.slice(i, j), pos, end: j });
      i = j;
      continue;
    }
    const two = input.slice(i, i + 2);
    if (two === '>=' || two === '<=' || two === '!=' || two === '<>' || two === '==') {
      out.push({ kind: 'op', text: two, pos, end: i + 2 });
      i += 2;
      continue;
    }
    if (c === '=' || c === '<' || c === '>') {
      out.push({ kind: 'op', text: c, pos, end: i + 1 });
      i++;
      continue;
    }
    if (c === '(' || c === ')' || c === ',' || c === '.') {
      out.push({ kind: 'punct', text: c, pos, end: i + 1 });
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

/** What `attributes.<key>` may name, for messages. */
const ATTRIBUTE_LIST = 'run_id, run_name, user_id, status, artifact_uri, start_time, end_time';

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

  /**
   * One name as sqlparse groups it: parts joined by dots with nothing between them (a bare word, a number
   * after a dot, or a backticked / double-quoted part). Returns the parts, quoted ones marked.
   */
  private nameParts(): { text: string; quoted: "'" | '"' | '`' | undefined; token: Token }[] {
    const first = this.next('a name such as metrics.accuracy');
    const part = (t: Token) => {
      if (t.kind === 'ident' || t.kind === 'number') return { text: t.text, quoted: undefined, token: t };
      if (t.kind === 'string' && t.quote !== "'") return { text: t.text, quoted: t.quote, token: t };
      return undefined;
    };
    const head = part(first);
    if (!head) this.fail(`expected a name such as metrics.accuracy, found '${tokenText(first)}'`, first);
    const parts = [head];
    for (;;) {
      const dot = this.peek();
      const after = this.tokens[this.i + 1];
      const prevEnd = this.tokens[this.i - 1]!.end;
      if (dot?.kind !== 'punct' || dot.text !== '.' || dot.pos !== prevEnd) break;
      const p = after && after.pos === dot.end ? part(after) : undefined;
      if (!p) this.fail(`expected a key after '.'`, after ?? dot);
      parts.push(p);
      this.i += 2;
    }
    // "a.5" lexes as a name and the number ".5"
    for (;;) {
      const t = this.peek();
      if (t?.kind !== 'number' || !t.text.startsWith('.') || t.pos !== this.tokens[this.i - 1]!.end) break;
      parts.push({ text: t.text.slice(1), quoted: undefined, token: t });
      this.i++;
    }
    return parts;
  }

  /** `entity.key` (or a bare attribute name), checked as MLflow checks it */
  identifier(purpose: 'filter' | 'order'): { type: EntityType; key: string; start: Token } {
    const parts = this.nameParts();
    const start = parts[0]!.token;
    if (parts.length === 1) {
      // no entity: an attribute, as `status = 'FINISHED'`
      return { type: 'attribute', key: this.attributeKey(parts[0]!.text, start, true), start };
    }
    const head = parts[0]!;
    const entityName = head.quoted === '`' || head.quoted === undefined ? head.text : `"${head.text}"`;
    const type = ENTITY_ALIASES[entityName];
    if (type === undefined) {
      const lower = ENTITY_ALIASES[entityName.toLowerCase()];
      this.fail(
        lower
          ? `'${entityName}' is not an entity type: entity types are lower case (${entityName.toLowerCase()}.)`
          : `'${entityName}' is not an entity type (use metrics., params., tags., attributes. or datasets.)`,
        start,
      );
    }
    // the key: the rest of the name as written (a single quoted part is taken without its quotes)
    const rest = parts.slice(1);
    const key = rest.length === 1 ? rest[0]!.text : rest.map((p) => (p.quoted ? `${p.quoted}${p.text}${p.quoted}` : p.text)).join('.');
    if (key === '') this.fail('empty key', rest[0]!.token);
    if (type === 'attribute') return { type, key: this.attributeKey(key, start, false), start };
    if (type === 'dataset') {
      if (purpose === 'order') this.fail(`runs cannot be ordered by datasets.${key}`, start);
      if (!DATASET_KEYS.has(key))
        this.fail(`'${key}' is not a dataset key (use datasets.name, datasets.digest or datasets.context)`, start);
    }
    return { type, key, start };
  }

  private attributeKey(key: string, at: Token, bare: boolean): string {
    const attr = ATTRIBUTE_KEYS[key];
    if (attr !== undefined) return attr;
    const hint = bare
      ? ` (a name without an entity is a run attribute: ${ATTRIBUTE_LIST}; a metric, param or tag needs its prefix, e.g. metrics.${key})`
      : ` (searchable run attributes: ${ATTRIBUTE_LIST})`;
    this.fail(`'${key}' is not a searchable run attribute${hint}`, at);
  }

  comparator(): Comparator {
    const t = this.next('a comparison operator');
    if (t.kind === 'op') {
      if (t.text === '<>' || t.text === '==') this.fail(`'${t.text}' is not an MLflow comparator (use ${t.text === '<>' ? '!=' : '='})`, t);
      return t.text as Comparator;
    }
    if (t.kind === 'ident') {
      const w = t.text.toUpperCase();
      if (w === 'LIKE' || w === 'ILIKE' || w === 'IN') return w;
      if (w === 'NOT' && this.isKeyword('IN')) {
        this.i++;
        return 'NOT IN';
      }
    }
    this.fail(`expected a comparison operator (=, !=, >, >=, <, <=, LIKE, ILIKE, IN, NOT IN), found '${tokenText(t)}'`, t);
  }

  stringValue(): string {
    const t = this.next('a quoted string');
    if (t.kind === 'string' && t.quote !== '`') return t.text;
    this.fail(`expected a string in single or double quotes, found '${tokenText(t)}'`, t);
  }

  numberValue(): number {
    const t = this.next('a number');
    if (t.kind === 'number') return t.value;
    this.fail(`expected a number, found '${tokenText(t)}'`, t);
  }

  /** `('a', 'b')`: single-quoted strings only, at least one */
  stringList(): string[] {
    const open = this.next("'('");
    if (open.kind !== 'punct' || open.text !== '(') this.fail("expected a parenthesised list such as ('a', 'b')", open);
    const values: string[] = [];
    for (;;) {
      const t = this.next("a string in single quotes or ')'");
      if (t.kind === 'punct' && t.text === ')' && values.length === 0) this.fail('the list is empty', t);
      if (t.kind !== 'string' || t.quote !== "'") this.fail(`a list holds strings in single quotes, found '${tokenText(t)}'`, t);
      values.push(t.text);
      const sep = this.next("',' or ')'");
      if (sep.kind === 'punct' && sep.text === ')') return values;
      if (sep.kind !== 'punct' || sep.text !== ',') this.fail(`expected ',' or ')', found '${tokenText(sep)}'`, sep);
    }
  }

  comparison(): Comparison {
    const { type, key, start } = this.identifier('filter');
    const compTok = this.peek();
    const comparator = this.comparator();
    const label = type === 'attribute' ? `attributes.${key}` : `${type}s.${key}`;
    const allowed = (list: readonly Comparator[], kind: string): void => {
      if (!list.includes(comparator)) {
        this.fail(`'${comparator}' cannot compare ${kind} ${label} (allowed: ${list.join(', ')})`, compTok);
      }
    };
    const list = comparator === 'IN' || comparator === 'NOT IN';
    switch (type) {
      case 'metric':
        allowed(NUMERIC_COMPARATORS, 'the metric');
        return { type, key, comparator, value: this.numberValue() };
      case 'param':
      case 'tag':
        allowed(STRING_COMPARATORS, type === 'param' ? 'the param' : 'the tag');
        return { type, key, comparator, value: this.stringValue() };
      case 'dataset':
        allowed(LIST_COMPARATORS, 'the dataset key');
        return { type, key, comparator, value: list ? this.stringList() : this.stringValue() };
      case 'attribute': {
        if (NUMERIC_ATTRIBUTES.has(key)) {
          allowed(NUMERIC_COMPARATORS, 'the numeric attribute');
          return { type, key, comparator, value: this.numberValue() };
        }
        allowed(LIST_COMPARATORS, 'the attribute');
        if (list && key !== 'run_id') this.fail(`only attributes.run_id can be compared with a list (IN, NOT IN), not ${label}`, start);
        if (!list) return { type, key, comparator, value: this.stringValue() };
        // MLflow drops listed run ids with capital letters (run ids are lower-case hex)
        return { type, key, comparator, value: this.stringList().filter((v) => v === v.toLowerCase() && v !== v.toUpperCase()) };
      }
    }
  }

  filter(): Comparison[] {
    const out: Comparison[] = [];
    if (this.done()) return out;
    for (;;) {
      const t = this.peek()!;
      if (t.kind === 'punct' && t.text === '(') this.fail("MLflow's search syntax has no parentheses around comparisons", t);
      out.push(this.comparison());
      if (this.done()) return out;
      const and = this.next("'and'");
      if (and.kind === 'ident' && and.text.toUpperCase() === 'AND') continue;
      if (and.kind === 'ident' && and.text.toUpperCase() === 'OR') {
        this.fail("MLflow's search syntax has no OR: run one search per alternative", and);
      }
      this.fail(`expected 'and' between comparisons, found '${tokenText(and)}'`, and);
    }
  }

  orderClause(): OrderClause {
    const { type, key } = this.identifier('order');
    let ascending = true;
    if (this.isKeyword('ASC')) this.i++;
    else if (this.isKeyword('DESC')) {
      this.i++;
      ascending = false;
    }
    if (!this.done()) this.fail(`unexpected '${tokenText(this.peek()!)}' (expected ASC or DESC)`, this.peek());
    return { type, key, ascending };
  }
}

function tokenText(t: Token): string {
  if (t.kind === 'string') return `${t.quote}${t.text}${t.quote}`;
  return t.text;
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

/** The metric, param and tag keys a filter names (to check them against what the runs have). */
export function filterKeys(filter: string | undefined): { type: 'metric' | 'param' | 'tag'; key: string }[] {
  return parseFilter(filter).flatMap((c) =>
    c.type === 'metric' || c.type === 'param' || c.type === 'tag' ? [{ type: c.type, key: c.key }] : [],
  );
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
    case 'dataset':
      // mmx logs no dataset inputs: no run has one to compare
      return undefined;
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
