import type { z } from 'zod';
import {
  EXPECTED_VERSION_FIELD,
  fieldLocations,
  fillPath,
  idSegments,
  operations,
  validateInput,
  VALIDATION_FAILED,
  type FieldError,
  type OperationDefinition,
  type OperationId,
  type Operations,
} from './contract/index.js';
import { AbortedError, NetworkError, ShopApiError, UnexpectedResponseError, ValidationError, errorFromResponse } from './errors.js';
import { DEFAULT_MAX_RETRIES, isTransientStatus, retryDelayMs, shouldRetry } from './retry.js';
import { eventHistory, type EventHistory } from './events/history.js';
import { followStream, type StreamOptions } from './events/follow-stream.js';
import { undiciTransport, type Transport, type TransportResponse } from './transport.js';

export const DEFAULT_TIMEOUT_MS = 30_000;
export const SDK_VERSION = '0.1.0';

export type ShopClientOptions = {
  /** Where the server listens, e.g. `http://localhost:3000`. */
  baseUrl: string;
  /** Bearer token from `auth.login`. */
  token?: string | undefined;
  /** Partner API key (an admin creates it); sent as the bearer credential when no token is set. */
  apiKey?: string | undefined;
  /** Per-attempt timeout. */
  timeoutMs?: number | undefined;
  /** Retries after the first attempt, for failures that are safe to repeat. */
  retries?: number | undefined;
  /** Replace the HTTP layer (tests, proxies). Defaults to undici with keep-alive. */
  transport?: Transport | undefined;
  /** Extra headers on every request. */
  headers?: Record<string, string> | undefined;
};

const KNOWN_OPTIONS = new Set(['baseUrl', 'token', 'apiKey', 'timeoutMs', 'retries', 'transport', 'headers']);

export type RequestOptions = {
  signal?: AbortSignal | undefined;
  /** Defaults to a fresh UUID per command call, reused across that call's retries. */
  idempotencyKey?: string | undefined;
  retries?: number | undefined;
  timeoutMs?: number | undefined;
  headers?: Record<string, string> | undefined;
};

export type InputOf<Id extends OperationId> = z.input<Operations[Id]['input']>;
export type OutputOf<Id extends OperationId> = z.output<Operations[Id]['output']>;

/** A successful answer with its HTTP details, for callers who need the ETag or request id. */
export type ApiResponse<T> = { data: T; status: number; headers: Record<string, string>; requestId: string | undefined };

type PaginationOf<Id extends OperationId> = NonNullable<Operations[Id]['pagination']>;

type ItemOf<Id extends OperationId> =
  OutputOf<Id> extends Record<PaginationOf<Id>['itemsField'], (infer Item)[]> ? Item : never;

/** The input of `.all()`: the list's input without its cursor, which the iterator drives. */
type AllInputOf<Id extends OperationId> = Omit<InputOf<Id>, PaginationOf<Id>['cursorField']>;

// `pagination` is optional on every definition, so test for "only ever undefined" rather than for presence.
type Paginated<Id extends OperationId> = [Operations[Id]['pagination']] extends [undefined]
  ? unknown
  : {
      /** Every item across all pages, fetched a page at a time as you iterate. */
      all: {} extends AllInputOf<Id>
        ? (input?: AllInputOf<Id>, options?: RequestOptions) => AsyncIterableIterator<ItemOf<Id>>
        : (input: AllInputOf<Id>, options?: RequestOptions) => AsyncIterableIterator<ItemOf<Id>>;
    };

// `{} extends Input` holds when no field is required, including an empty strict object (zod infers
// `Record<string, never>` for that, which `object` would not satisfy), so those methods take no argument.
type Callable<Id extends OperationId, Options, Answer> = {} extends InputOf<Id>
  ? (input?: InputOf<Id>, options?: Options) => Answer
  : (input: InputOf<Id>, options?: Options) => Answer;

/**
 * A query or command resolves once with its output; a stream operation is an async iterable of
 * its messages that reconnects by itself and ends when `options.signal` aborts.
 */
export type Method<Id extends OperationId> = Operations[Id]['kind'] extends 'stream'
  ? Callable<Id, StreamOptions, AsyncIterableIterator<OutputOf<Id>>>
  : Callable<Id, RequestOptions, Promise<OutputOf<Id>>> & Paginated<Id>;

/** The next id segment after `Prefix` of every operation under it: method names and namespaces alike. */
type KeysUnder<Prefix extends string> = OperationId extends infer Id
  ? Id extends `${Prefix}${infer Rest}`
    ? Rest extends `${infer Head}.${string}`
      ? Head
      : Rest
    : never
  : never;

/** Hand-written helpers that sit beside the generated methods of a namespace. */
type HelpersUnder<Prefix extends string> = Prefix extends 'ops.events.' ? EventHistory : unknown;

/** One level of the client: `client.products`, `client.ops`, `client.ops.streams`. Every id segment nests. */
type ClientLevel<Prefix extends string> = {
  [Key in KeysUnder<Prefix>]: `${Prefix}${Key}` extends OperationId ? Method<`${Prefix}${Key}`> : ClientLevel<`${Prefix}${Key}.`>;
} & HelpersUnder<Prefix>;

/** The methods under an id prefix: `GroupClient<'products'>`, `GroupClient<'ops.streams'>`. */
export type GroupClient<Group extends string> = ClientLevel<`${Group}.`>;

export type ShopClient = ClientLevel<''> & {
  /** Calls any operation by id; the typed methods are sugar over this. */
  call<Id extends OperationId>(id: Id, input: InputOf<Id>, options?: RequestOptions): Promise<OutputOf<Id>>;
  /** Like `call`, with status, headers and request id. */
  callWithResponse<Id extends OperationId>(
    id: Id,
    input: InputOf<Id>,
    options?: RequestOptions,
  ): Promise<ApiResponse<OutputOf<Id>>>;
  /** Use this token from now on (after a login, for example). */
  setToken(token: string | undefined): void;
  /** Releases keep-alive connections. */
  close(): Promise<void>;
};

export const createShopClient = (options: ShopClientOptions): ShopClient => {
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) throw new TypeError(`createShopClient: unknown option "${key}"`);
  }
  if (!options.baseUrl) throw new TypeError('createShopClient: baseUrl is required');
  // Without a scheme, `localhost:3000` would only fail at the first call, as a network error retried twice.
  if (!/^https?:\/\//i.test(options.baseUrl)) {
    throw new TypeError(`createShopClient: baseUrl must start with http:// or https://, got ${JSON.stringify(options.baseUrl)}`);
  }
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const transport = options.transport ?? undiciTransport();
  let token = options.token;
  const userAgent = `eventshop-sdk/${SDK_VERSION} node/${process.versions.node}`;

  const send = async <Id extends OperationId>(
    id: Id,
    rawInput: unknown,
    requestOptions: RequestOptions = {},
  ): Promise<ApiResponse<OutputOf<Id>>> => {
    const definition = operations[id] as OperationDefinition | undefined;
    // Only reachable from untyped callers of `call`; say what went wrong instead of a property-of-undefined crash.
    if (!definition) throw new TypeError(`Unknown operation "${String(id)}"`);
    const validated = validateInput(definition, rawInput ?? {});
    if (!validated.success) throw localValidationError(id, validated.errors);
    const request = encodeRequest(definition, validated.data, baseUrl);

    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': userAgent,
      ...lowerCaseNames(options.headers),
      ...request.headers,
      ...lowerCaseNames(requestOptions.headers),
    };
    const credential = token ?? options.apiKey;
    if (credential) headers.authorization = `Bearer ${credential}`;
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    if (definition.kind === 'command') {
      // One key per call, resent on every retry, so the server can answer a repeat with the first result.
      headers['idempotency-key'] = requestOptions.idempotencyKey ?? headers['idempotency-key'] ?? crypto.randomUUID();
    }

    const maxRetries = requestOptions.retries ?? options.retries ?? DEFAULT_MAX_RETRIES;
    const timeoutMs = requestOptions.timeoutMs ?? options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const safeToRepeat = definition.kind !== 'command' || 'idempotency-key' in headers;

    for (let retriesSoFar = 0; ; retriesSoFar++) {
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = requestOptions.signal ? AbortSignal.any([requestOptions.signal, timeout]) : timeout;
      // What came back: an answer, or the NetworkError for none (reading the answer stays outside the
      // try, so an UnexpectedResponseError is not mistaken for a network failure).
      let answer: TransportResponse | NetworkError;
      try {
        answer = await transport.request({ method: definition.method, url: request.url, headers, body: request.body, signal });
      } catch (error) {
        if (requestOptions.signal?.aborted) {
          throw new AbortedError('The request was aborted', { status: 0, code: 'aborted', cause: error });
        }
        answer = timeout.aborted
          ? new NetworkError(`No answer from ${baseUrl} within ${timeoutMs} ms`, { status: 0, code: 'timeout', cause: error })
          : new NetworkError(`Could not reach ${baseUrl}: ${describeNetworkError(error)}`, { status: 0, code: 'network_error', cause: error });
      }
      let failure: ShopApiError;
      let status: number | undefined;
      let responseHeaders: Record<string, string> | undefined;
      if (answer instanceof NetworkError) {
        failure = answer;
      } else {
        const body = readJson(answer);
        // A proxy in front of the server answers a brief outage with its own page: that is retried as
        // usual. Any other answer that is not JSON did not come from an eventshop server.
        if (body === NOT_JSON && !isTransientStatus(answer.status)) throw unexpectedResponse(definition.method, request.url, baseUrl, answer);
        if (body !== NOT_JSON && answer.status < 400) {
          return { data: body as OutputOf<Id>, status: answer.status, headers: answer.headers, requestId: answer.headers['x-request-id'] };
        }
        failure = errorFromResponse(answer.status, body === NOT_JSON ? undefined : body, answer.headers);
        status = answer.status;
        responseHeaders = answer.headers;
      }
      const retry = shouldRetry({
        retriesSoFar,
        maxRetries,
        safeToRepeat,
        aborted: requestOptions.signal?.aborted ?? false,
        status,
        headers: responseHeaders,
      });
      if (!retry) throw failure;
      await sleep(retryDelayMs(retriesSoFar, responseHeaders), requestOptions.signal);
    }
  };

  const call = async <Id extends OperationId>(id: Id, input: InputOf<Id>, requestOptions?: RequestOptions) =>
    (await send(id, input, requestOptions)).data;

  const client: Record<string, unknown> = {
    call,
    callWithResponse: send,
    setToken(next: string | undefined) {
      token = next;
    },
    close: async () => transport.close?.(),
  };
  const stream = (id: OperationId, definition: OperationDefinition, rawInput: unknown, streamOptions: StreamOptions = {}) => {
    const validated = validateInput(definition, rawInput ?? {});
    if (!validated.success) throw localValidationError(id, validated.errors);
    const input = validated.data as Record<string, unknown>;
    // Checked here, not per connect: a missing method is a programming error, not an outage to retry.
    const streamRequest = transport.stream?.bind(transport);
    if (!streamRequest) throw new TypeError(`${id} is a stream operation, and this client's transport has no stream()`);
    const resumeField = definition.resume?.inputField;
    return followStream<unknown>(
      {
        origin: baseUrl,
        timeoutMs: streamOptions.timeoutMs ?? options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        open(lastEventId, signal) {
          // Resuming: the server reads Last-Event-ID into the resume field; leave the caller's starting point out of the query so nothing contradicts it.
          const resumed = lastEventId !== undefined && resumeField ? { ...input, [resumeField]: undefined } : input;
          const request = encodeRequest(definition, resumed, baseUrl);
          const headers: Record<string, string> = {
            accept: 'text/event-stream',
            'cache-control': 'no-cache',
            'user-agent': userAgent,
            ...lowerCaseNames(options.headers),
            ...request.headers,
            ...lowerCaseNames(streamOptions.headers),
          };
          const credential = token ?? options.apiKey;
          if (credential) headers.authorization = `Bearer ${credential}`;
          if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
          return streamRequest({ method: definition.method, url: request.url, headers, body: request.body, signal });
        },
      },
      streamOptions,
    );
  };

  for (const [id, definition] of Object.entries(operations) as [OperationId, OperationDefinition][]) {
    const segments = idSegments(id);
    let level = client;
    for (const segment of segments.slice(0, -1)) level = (level[segment] ??= {}) as Record<string, unknown>;
    const method =
      definition.kind === 'stream'
        ? (input?: unknown, streamOptions?: StreamOptions) => stream(id, definition, input, streamOptions)
        : (input?: unknown, requestOptions?: RequestOptions) => call(id, input as never, requestOptions);
    if (definition.pagination) {
      const { cursorField, itemsField, nextCursorField } = definition.pagination;
      Object.assign(method, {
        async *all(input: Record<string, unknown> = {}, requestOptions?: RequestOptions) {
          let cursor: unknown = undefined;
          do {
            const page = (await call(id, { ...input, [cursorField]: cursor } as never, requestOptions)) as Record<string, unknown>;
            yield* page[itemsField] as unknown[];
            cursor = page[nextCursorField] ?? undefined;
          } while (cursor !== undefined);
        },
      });
    }
    level[segments[segments.length - 1]!] = method;
  }
  // The feed's helpers are sugar over its three operations, built beside them.
  const events = (client.ops as { events: Parameters<typeof eventHistory>[0] }).events;
  Object.assign(events, eventHistory(events));
  return client as ShopClient;
};

/** Splits validated input into path, query, header and body per the contract's one rule. */
export const encodeRequest = (definition: OperationDefinition, input: Record<string, unknown>, baseUrl: string) => {
  const locations = fieldLocations(definition);
  const query = new URLSearchParams();
  const headers: Record<string, string> = {};
  const body: Record<string, unknown> = {};
  let hasBody = false;
  const pathValues: Record<string, string> = {};
  for (const [name, value] of Object.entries(input)) {
    if (value === undefined) continue;
    switch (locations[name]) {
      case 'path':
        pathValues[name] = encodeURIComponent(String(value));
        break;
      case 'query':
        query.set(name, String(value));
        break;
      case 'header':
        if (name === EXPECTED_VERSION_FIELD) headers['if-match'] = `"${String(value)}"`;
        break;
      default:
        body[name] = value;
        hasBody = true;
    }
  }
  const path = fillPath(definition.path, pathValues);
  const search = query.size > 0 ? `?${query.toString()}` : '';
  const sendsBody = definition.method !== 'GET' && definition.method !== 'DELETE';
  return {
    url: `${baseUrl}${path}${search}`,
    headers,
    body: sendsBody ? JSON.stringify(hasBody ? body : {}) : undefined,
  };
};

const lowerCaseNames = (headers: Record<string, string> | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]));

/** The problem the server would answer for the same input, found before sending (status 0: nothing was sent). */
const localValidationError = (id: string, errors: FieldError[]) => {
  const detail = errors.map((e) => `${e.field}: ${e.message}`).join('; ');
  return new ValidationError(`Invalid input for ${id}: ${detail}`, {
    status: 0,
    code: VALIDATION_FAILED,
    problem: { type: `urn:eventshop:problem:${VALIDATION_FAILED}`, title: 'The request is invalid', status: 400, code: VALIDATION_FAILED, detail, errors },
  });
};

const NOT_JSON = Symbol('not JSON');
const JSON_CONTENT_TYPE = /^application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i;

/** Every answer of the API is JSON (a problem+json for failures), with a body. */
const readJson = (response: TransportResponse): unknown => {
  const contentType = response.headers['content-type'];
  // A custom transport may leave the header out; then the body decides.
  if (contentType !== undefined && !JSON_CONTENT_TYPE.test(contentType)) return NOT_JSON;
  try {
    return JSON.parse(response.body);
  } catch {
    return NOT_JSON;
  }
};

const unexpectedResponse = (method: string, url: string, baseUrl: string, response: TransportResponse) => {
  const contentType = response.headers['content-type'];
  const what =
    contentType === undefined ? 'no Content-Type and a body that is not JSON'
    : JSON_CONTENT_TYPE.test(contentType) ? `${contentType} but a body that is not valid JSON`
    : contentType;
  return new UnexpectedResponseError(
    `${method} ${url} answered HTTP ${response.status} with ${what}, where the eventshop API sends JSON: is ${baseUrl} an eventshop server?`,
    { status: response.status, code: 'unexpected_response', requestId: response.headers['x-request-id'], headers: response.headers, contentType },
  );
};

const describeNetworkError = (error: unknown): string => {
  const code = (error as { code?: string })?.code;
  if (code === 'ECONNREFUSED') return 'connection refused (is the server running?)';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'connection reset';
  if (code === 'ENOTFOUND') return 'host not found';
  return (error as Error)?.message ?? String(error);
};

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortedError('The request was aborted', { status: 0, code: 'aborted' }));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortedError('The request was aborted', { status: 0, code: 'aborted' }));
    };
    // Remove the listener when the timer wins, so a long-lived signal does not collect one per retry.
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
