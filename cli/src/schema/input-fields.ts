import { pathParameterNames, type OperationDefinition } from '@eventshop/sdk/contract';
import { flagNameFor, kebabCase } from './flag-names.js';
import { inputShapeOf, shapeOf, unwrap, type FieldSchema } from './schema-introspection.js';

/** A value a single flag can carry. */
export type ScalarKind =
  | { type: 'string' }
  | { type: 'integer' }
  | { type: 'number' }
  | { type: 'boolean' }
  | { type: 'enum'; choices: readonly string[] };

/** How the command line spells a field's value: a scalar, a repeatable list of scalars, or JSON. */
export type FieldKind = ScalarKind | { type: 'list'; item: ScalarKind } | { type: 'json' };

/** One leaf of an operation's input, as the command line sees it. */
export type InputField = {
  /** Where the value sits in the input object: `['price', 'amount']`. */
  path: readonly string[];
  /** Kebab-case name: the flag (`price-amount`) or, for a path parameter, the argument (`<id>`). */
  name: string;
  kind: FieldKind;
  /** The field and every object around it must be given. */
  required: boolean;
  /** Accepts null: `--no-<flag>` sends it. */
  nullable: boolean;
  /** A positional argument: a path parameter, or the operation's `cliPositional` subject. */
  positional: boolean;
  /** The `cliPositional` subject: an argument that can also be given by its flag (`--q`). */
  alsoFlag: boolean;
  description: string | undefined;
  example: unknown;
  /** Asked for without echo at a prompt. */
  secret: boolean;
  /** A password being chosen (not one being proved): a prompt asks for it twice. */
  newSecret: boolean;
  /** The field's own schema, to check one answer at a prompt. */
  schema: FieldSchema;
};

const SECRET_NAME = /password|secret/i;
/** Secrets the caller proves rather than chooses: signing in, and the current password beside a new one. */
const PROVEN_SECRET = /^current/i;
const SIGN_IN = 'auth.login';

/**
 * Every leaf of an operation's input in declaration order: path parameters become positional
 * arguments, everything else a flag, and nested objects (Money) flatten into one flag per leaf.
 */
export const inputFieldsOf = (definition: OperationDefinition): InputField[] => {
  const positional = new Set([...pathParameterNames(definition.path), ...(definition.cliPositional ? [definition.cliPositional] : [])]);
  // Path parameters first, in path order, then the subject: the order arguments are typed in.
  const entries = Object.entries(inputShapeOf(definition)).sort(([a], [b]) => rank(a) - rank(b));
  function rank(name: string): number {
    return name === definition.cliPositional ? 1 : 0;
  }
  return entries.flatMap(([name, schema]) =>
    leavesOf([name], schema, { required: true, example: undefined, positional: positional.has(name) }),
  ).map((field) => ({ ...field, alsoFlag: field.positional && field.path[0] === definition.cliPositional, newSecret: field.secret && definition.id !== SIGN_IN && !PROVEN_SECRET.test(field.path[field.path.length - 1]!) }));
};

type Inherited = { required: boolean; example: unknown; positional: boolean };

const leavesOf = (path: string[], schema: FieldSchema, parent: Inherited): InputField[] => {
  const { base, required, nullable, description, example } = unwrap(schema);
  const shape = shapeOf(base);
  const ownExample = example ?? parent.example;
  if (shape.type === 'object' && Object.keys(shape.shape).length > 0 && !parent.positional) {
    return Object.entries(shape.shape).flatMap(([key, child]) =>
      leavesOf([...path, key], child, {
        required: parent.required && required,
        example: exampleMember(ownExample, key),
        positional: false,
      }),
    );
  }
  const leafName = path[path.length - 1]!;
  return [
    {
      path,
      name: parent.positional ? kebabCase(leafName) : flagNameFor(path),
      kind: kindOf(shape),
      required: parent.required && required,
      nullable,
      positional: parent.positional,
      description,
      example: ownExample,
      secret: SECRET_NAME.test(leafName),
      alsoFlag: false,
      newSecret: false,
      schema: base,
    },
  ];
};

// An object's example ({ amount: 1999, currency: 'USD' }) is where its leaves find theirs.
const exampleMember = (example: unknown, key: string): unknown =>
  typeof example === 'object' && example !== null ? (example as Record<string, unknown>)[key] : undefined;

const kindOf = (shape: ReturnType<typeof shapeOf>): FieldKind => {
  if (shape.type === 'array') {
    const item = shapeOf(unwrap(shape.element).base);
    return isScalar(item) ? { type: 'list', item } : { type: 'json' };
  }
  return isScalar(shape) ? shape : { type: 'json' };
};

const isScalar = (shape: ReturnType<typeof shapeOf>): shape is ScalarKind =>
  shape.type === 'string' || shape.type === 'integer' || shape.type === 'number' || shape.type === 'boolean' || shape.type === 'enum';

/** Choices longer than this are named in the flag's description instead: a long list would push every flag's help far right. */
export const MAX_INLINE_CHOICES = 32;

/** Whether a flag's choices are listed in its description rather than in its value placeholder. */
export const choicesInDescription = (kind: FieldKind) => kind.type === 'enum' && kind.choices.join('|').length > MAX_INLINE_CHOICES;

/** How help text names the value a flag takes: `<integer>`, `<active|discontinued>`, `<step>` (many choices), `<json>`. */
export const valuePlaceholder = (kind: FieldKind, name = 'value'): string => {
  switch (kind.type) {
    case 'enum':
      return choicesInDescription(kind) ? name : kind.choices.join('|');
    case 'list':
      return `${valuePlaceholder(kind.item)},...`;
    case 'boolean':
      return 'true|false';
    default:
      return kind.type;
  }
};
