/**
 * Small helpers on top of TypeBox for writing the config language.
 *
 * The schema fragments written with these helpers are the single source of truth: the JSON Schema in
 * `schemas/experiment.schema.json` is generated from them (`npm run schema`, checked by a test), Ajv
 * validates against that same JSON, and the TypeScript types of a *resolved* config (after defaults are
 * applied) are derived from them with `Resolved<>` below — never written by hand.
 */
import {
  Kind,
  Type,
  type Static,
  type TArray,
  type TLiteral,
  type TObject,
  type TOptional,
  type TProperties,
  type TRecord,
  type TSchema,
  type TUnion,
  type TUnsafe,
  type SchemaOptions,
} from '@sinclair/typebox';

/** Marker carried in the type of a property that has a schema default. */
export interface HasDefault {
  readonly __mmxDefault: true;
}

/**
 * An optional property with a default value declared in the schema. After validation (Ajv with
 * `useDefaults`) the property is always present, so `Resolved<>` makes it required.
 */
export function Default<T extends TSchema>(schema: T, value: Static<T>): TOptional<T> & HasDefault {
  return Type.Optional({ ...schema, default: value } as T) as TOptional<T> & HasDefault;
}

/**
 * An optional property whose value, when not written, the loader fills in from other keys of the config
 * (`src/experiment/context-defaults.ts`; e.g. `fusion.hidden` depends on the number of inputs). The JSON Schema has
 * no `default` for it (the description says what it is); after loading it is always present, so `Resolved<>`
 * makes it required.
 */
export function FilledIn<T extends TSchema>(schema: T): TOptional<T> & HasDefault {
  return Type.Optional(schema) as TOptional<T> & HasDefault;
}

/**
 * A union of objects told apart by their `type` property. Emitted as `oneOf` with an OpenAPI-style
 * `discriminator` (Ajv's `discriminator: true` option), so an error in one branch is reported against
 * that branch only, and an unknown `type` gets one clear message.
 */
export function Discriminated<T extends TSchema[]>(schemas: [...T], options: SchemaOptions = {}): TUnion<T> {
  // Built by hand: TypeBox collapses a one-member union to the member itself, and Ajv's discriminator
  // needs `oneOf` even when only one variant exists so far.
  const union = Type.Union(schemas, options);
  return Object.assign({ ...options }, union[Kind] ? { [Kind]: union[Kind] } : {}, {
    type: 'object',
    required: ['type'],
    discriminator: { propertyName: 'type' },
    oneOf: schemas,
  }) as unknown as TUnion<T>;
}

/** `{type: <name>, ...options}` with `additionalProperties: false`. */
export function Variant<N extends string, P extends TProperties>(
  name: N,
  properties: P,
  options: SchemaOptions = {},
): TObject<{ type: TLiteral<N> } & P> {
  return Type.Object({ type: Type.Literal(name), ...properties }, { additionalProperties: false, ...options });
}

/** A closed object: unknown keys are errors (typos never pass silently). */
export function Closed<P extends TProperties>(properties: P, options: SchemaOptions = {}): TObject<P> {
  return Type.Object(properties, { additionalProperties: false, ...options });
}

type Simplify<T> = { [K in keyof T]: T[K] } & {};

type RequiredKeys<P extends TProperties> = {
  [K in keyof P]: P[K] extends HasDefault ? K : P[K] extends TOptional<TSchema> ? never : K;
}[keyof P];
type OptionalKeys<P extends TProperties> = Exclude<keyof P, RequiredKeys<P>>;

/**
 * The type of a value after validation with defaults applied: like TypeBox's `Static`, but
 * properties that declare a default are required.
 */
export type Resolved<T> =
  T extends TObject<infer P>
    ? Simplify<{ [K in RequiredKeys<P>]: Resolved<P[K]> } & { [K in OptionalKeys<P>]?: Resolved<P[K]> }>
    : T extends TArray<infer I>
      ? Resolved<I>[]
      : T extends TUnion<infer U>
        ? Resolved<U[number]>
        : T extends TRecord<TSchema, infer V>
          ? Record<string, Resolved<V>>
          : T extends TSchema
            ? Static<T>
            : never;

/**
 * A choice among literal values, emitted as `enum` (one clear error with the allowed values, and a
 * did-you-mean) rather than TypeBox's `anyOf` of constants.
 */
export function Enum<const V extends readonly (string | number)[]>(values: V, options: SchemaOptions = {}): TUnsafe<V[number]> {
  const type = values.every((v) => typeof v === 'string') ? 'string' : values.every((v) => typeof v === 'number') ? 'number' : undefined;
  return Type.Unsafe<V[number]>({ ...options, ...(type ? { type } : {}), enum: [...values] });
}
