import { z } from 'zod';
import { withTextRules } from './text.js';

/** What an operation does to the system: changes it, reads it, or streams from it (SSE). */
export type OperationKind = 'command' | 'query' | 'stream';

/**
 * Who may call an operation. `public` needs no credentials; `customer` needs any signed-in
 * principal; `admin`, `operator` and `service` need that role (an admin may do everything).
 */
export type AuthRequirement = 'public' | 'customer' | 'admin' | 'operator' | 'service';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** The error statuses an operation may declare for itself (`errors`); the rest follow from its kind (responses.ts). */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 412 | 413 | 414 | 415 | 422 | 429 | 500 | 503;

export type InputSchema = z.ZodObject<z.ZodRawShape>;

/** For list operations: which input field takes the cursor and which output fields hold the items and the next cursor. */
export type Pagination = { readonly cursorField: string; readonly itemsField: string; readonly nextCursorField: string };

export type OperationDefinition<
  Id extends string = string,
  Input extends InputSchema = InputSchema,
  Output extends z.ZodType = z.ZodType,
  // Carried as a type parameter so the SDK's types can tell list operations apart (`.all()`).
  PaginationSpec extends Pagination | undefined = Pagination | undefined,
  // A literal, so the server's handler table and the SDK can tell stream operations apart.
  Kind extends OperationKind = OperationKind,
> = {
  /** `<group>.<name>`: the SDK method (`client.group.name`) and the CLI command (`shopctl group name`). */
  readonly id: Id;
  readonly method: HttpMethod;
  /** Express-style path; `:name` segments are taken from the input field of that name. */
  readonly path: string;
  readonly kind: Kind;
  readonly auth: AuthRequirement;
  /** Other roles that may call it besides `auth`'s (a partner's `service` key reading stock an operator manages). */
  readonly alsoAllowed?: readonly ('admin' | 'operator' | 'service')[];
  readonly summary: string;
  readonly description?: string;
  /** Every field the caller sends: path parameters, query or body fields, and `expectedVersion`. */
  readonly input: Input;
  readonly output: Output;
  /**
   * Refusals particular to this operation, by status, in words for the reference: those that do not
   * follow from its kind (a login's 401, a sign-up's 409), or a more precise meaning for one that does.
   */
  readonly errors?: Readonly<Partial<Record<ErrorStatus, string>>>;
  /** HTTP status of a success; 201 answers also carry a `Location` header. */
  readonly successStatus?: 200 | 201 | 202;
  /** For list operations: which input field takes the cursor and which output field returns the next one. */
  readonly pagination?: PaginationSpec;
  /** CLI command name when it should differ from the operation name (`products.listByCategory` → `by-category`). */
  readonly cliName?: string;
  /**
   * The input field that is the obvious subject of the command, which the CLI takes as a positional
   * argument after any path parameters (`shopctl products search espresso`, as `gh search repos QUERY`).
   * Its flag keeps working.
   */
  readonly cliPositional?: string;
  /**
   * For operations that cannot be undone: the question a person must answer yes to first.
   * shopctl asks it at a terminal and otherwise requires `--yes`.
   */
  readonly confirm?: string;
  /**
   * The answer is a fresh session (`{ token, expiresAt }`) replacing the caller's, whose old token
   * stops working (a password change): faces that keep a session should keep the new one.
   */
  readonly renewsSession?: boolean;
  /** The caller's account is gone afterwards (forgotten): faces that keep its session should drop it. */
  readonly endsSession?: boolean;
  /** Output columns a table view shows first (the CLI's default table). */
  readonly tableColumns?: readonly string[];
  /**
   * For `stream` operations: which field of each message is its SSE `id`, and which input field
   * takes it back to resume after a reconnect (the server reads `Last-Event-ID` into it).
   */
  readonly resume?: { readonly inputField: string; readonly idField: string };
  /**
   * The handler needs the body's exact bytes (a signed webhook): the body is not read into input
   * fields, and the handler gets it, with the headers, as `context.raw`. Says which header carries
   * the signature and what the body is, for the reference.
   */
  readonly rawBody?: { readonly signatureHeader: string; readonly body: string };
};

/**
 * Declares one operation of the API. The object is data: the server, the SDK and the CLI
 * each walk the table of these to build routes, methods and commands. Every string field of the
 * input gets the contract's text rule here (see text.ts), so no field can forget it.
 */
export const operation = <
  const Id extends string,
  Input extends InputSchema,
  Output extends z.ZodType,
  const PaginationSpec extends Pagination | undefined = undefined,
  const Kind extends OperationKind = OperationKind,
>(
  definition: OperationDefinition<Id, Input, Output, PaginationSpec, Kind>,
): OperationDefinition<Id, Input, Output, PaginationSpec, Kind> => {
  for (const name of pathParameterNames(definition.path)) {
    if (!(name in definition.input.shape)) {
      throw new Error(`Operation ${definition.id}: path parameter :${name} is not an input field`);
    }
  }
  if (definition.cliPositional !== undefined && !(definition.cliPositional in definition.input.shape)) {
    throw new Error(`Operation ${definition.id}: cliPositional "${definition.cliPositional}" is not an input field`);
  }
  return { ...definition, input: withTextRules(definition.input) };
};

/**
 * The optimistic-concurrency field. REST carries it in `If-Match` (and answers with `ETag`);
 * the SDK and CLI pass it as an ordinary input field.
 */
export const EXPECTED_VERSION_FIELD = 'expectedVersion';

/** A `:name` segment of a path, matched by whole name so `:id` can never stand for the start of `:idx`. */
const PATH_PARAMETER = /:([A-Za-z_][A-Za-z0-9_]*)/g;

export const pathParameterNames = (path: string): string[] => [...path.matchAll(PATH_PARAMETER)].map((match) => match[1]!);

/** Puts each path parameter's value in place of its `:name`; a name without a value stays as it is. */
export const fillPath = (path: string, values: Record<string, string>): string =>
  path.replace(PATH_PARAMETER, (segment, name: string) => values[name] ?? segment);

/** Where each input field travels over HTTP. One rule for server, SDK and OpenAPI alike. */
export type FieldLocation = 'path' | 'query' | 'body' | 'header';

export const fieldLocations = (definition: OperationDefinition): Record<string, FieldLocation> => {
  const pathNames = new Set(pathParameterNames(definition.path));
  const bodyAllowed = definition.method !== 'GET' && definition.method !== 'DELETE';
  const locations: Record<string, FieldLocation> = {};
  for (const name of Object.keys(definition.input.shape)) {
    if (pathNames.has(name)) locations[name] = 'path';
    else if (name === EXPECTED_VERSION_FIELD) locations[name] = 'header';
    else locations[name] = bodyAllowed ? 'body' : 'query';
  }
  return locations;
};

/**
 * An id is `<group>.<name>` or `<namespace>.<group>.<name>` (`ops.streams.state`). The SDK nests
 * every segment (`client.ops.streams.state`); shopctl and the reference use the last two
 * (`shopctl streams state`), so a namespace groups methods without lengthening commands.
 */
export const idSegments = (id: string): string[] => id.split('.');
export const groupOf = (id: string): string => {
  const segments = idSegments(id);
  return segments[segments.length - 2] ?? segments[0]!;
};
export const nameOf = (id: string): string => {
  const segments = idSegments(id);
  return segments[segments.length - 1]!;
};
