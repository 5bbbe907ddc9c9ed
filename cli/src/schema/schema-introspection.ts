import type { OperationDefinition } from '@eventshop/sdk/contract';

/**
 * One field schema of a contract input. The shape is typed with zod's core type, but the contract
 * is written with zod's classic API, whose schemas also describe themselves and parse values.
 */
export type FieldSchema = OperationDefinition['input']['shape'][string] & {
  readonly description?: string | undefined;
  meta(): Record<string, unknown> | undefined;
  safeParse(value: unknown): { success: true } | { success: false; error: { issues: readonly { message: string }[] } };
};

/** The fields of an operation's input, by name. */
export const inputShapeOf = (definition: OperationDefinition): Record<string, FieldSchema> =>
  definition.input.shape as Record<string, FieldSchema>;

/**
 * The few parts of zod 4's internal definition the CLI reads to turn a schema into flags. Zod has no
 * public reflection API, so every read of `_zod.def` happens here and nowhere else.
 */
type SchemaDefinition = {
  type: string;
  innerType?: FieldSchema;
  in?: FieldSchema;
  shape?: Record<string, FieldSchema>;
  element?: FieldSchema;
  entries?: Record<string, string | number>;
  values?: readonly unknown[];
};

const definitionOf = (schema: FieldSchema): SchemaDefinition =>
  (schema as unknown as { _zod: { def: SchemaDefinition } })._zod.def;

/** Wrappers that only add optionality, a default or read-only-ness around the schema that matters. */
const WRAPPERS = new Set(['optional', 'default', 'prefault', 'nullable', 'readonly', 'catch', 'nonoptional']);
/** Wrappers that let the caller leave the field out. */
const OMITTABLE = new Set(['optional', 'default', 'prefault', 'catch']);

export type UnwrappedSchema = {
  /** The schema under every wrapper: what a value must look like. */
  base: FieldSchema;
  /** False when some wrapper lets the caller omit the field. */
  required: boolean;
  /** Some wrapper accepts null (which, for a change, usually means "clear it"). */
  nullable: boolean;
  /** The outermost `.describe()` text; wrappers made after describing lose it, so look inside too. */
  description: string | undefined;
  /** The outermost example from `.meta({ examples })`. */
  example: unknown;
};

export const unwrap = (schema: FieldSchema): UnwrappedSchema => {
  let current = schema;
  let required = true;
  let nullable = false;
  let description: string | undefined;
  let example: unknown;
  for (;;) {
    description ??= current.description;
    example ??= exampleOf(current);
    const definition = definitionOf(current);
    if (OMITTABLE.has(definition.type)) required = false;
    if (definition.type === 'nullable') nullable = true;
    if (WRAPPERS.has(definition.type) && definition.innerType) current = definition.innerType;
    // A pipe (transform) accepts what its input side accepts.
    else if (definition.type === 'pipe' && definition.in) current = definition.in;
    else return { base: current, required, nullable, description, example };
  }
};

const exampleOf = (schema: FieldSchema): unknown => {
  const meta = schema.meta() as { examples?: unknown } | undefined;
  return Array.isArray(meta?.examples) ? meta.examples[0] : undefined;
};

/** What kind of value a base schema takes, as far as a command line cares. */
export type SchemaShape =
  | { type: 'string' }
  | { type: 'integer' }
  | { type: 'number' }
  | { type: 'boolean' }
  | { type: 'enum'; choices: readonly string[] }
  | { type: 'object'; shape: Record<string, FieldSchema> }
  | { type: 'array'; element: FieldSchema }
  | { type: 'other' };

export const shapeOf = (base: FieldSchema): SchemaShape => {
  const definition = definitionOf(base);
  switch (definition.type) {
    case 'string':
      return { type: 'string' };
    case 'number':
      return (base as { isInt?: boolean }).isInt ? { type: 'integer' } : { type: 'number' };
    case 'boolean':
      return { type: 'boolean' };
    case 'enum':
      return stringChoices(Object.values(definition.entries ?? {}));
    case 'literal':
      return stringChoices(definition.values ?? []);
    case 'object':
      return { type: 'object', shape: definition.shape ?? {} };
    case 'array':
      return definition.element ? { type: 'array', element: definition.element } : { type: 'other' };
    default:
      return { type: 'other' };
  }
};

// Numeric enums and mixed literals have no honest flag spelling; they travel as JSON instead.
const stringChoices = (values: readonly unknown[]): SchemaShape =>
  values.length > 0 && values.every((value) => typeof value === 'string')
    ? { type: 'enum', choices: values as string[] }
    : { type: 'other' };
