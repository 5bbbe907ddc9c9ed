import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createShopClient, type ShopClientOptions } from './client.js';
import { AbortedError, NetworkError, NotFoundError, ServerError, ShopApiError, ValidationError } from './errors.js';
import { UnexpectedResponseError } from './index.js';
import {
  connectionReset,
  hangUntilAborted,
  json,
  newProduct,
  problem,
  product,
  scriptedTransport,
  type Step,
} from './testing/scripted-transport.js';

const BASE_URL = 'http://shop.test';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const clientWith = (steps: Step[], options: Partial<ShopClientOptions> = {}) => {
  const scripted = scriptedTransport(steps);
  return { client: createShopClient({ baseUrl: BASE_URL, token: 'admin-token', transport: scripted.transport, ...options }), requests: scripted.requests };
};

describe('retries', () => {
  it('retries a command after a network error and resends the same Idempotency-Key', async () => {
    const { client, requests } = clientWith([connectionReset(), json(201, product)]);
    await expect(client.products.create(newProduct)).resolves.toEqual(product);
    expect(requests).toHaveLength(2);
    const [first, second] = requests.map((request) => request.headers['idempotency-key']);
    expect(first).toMatch(UUID);
    expect(second).toBe(first);
    expect(requests[1]!.body).toBe(requests[0]!.body);
  });

  it('resends the caller’s idempotencyKey on every attempt', async () => {
    const { client, requests } = clientWith([connectionReset(), json(201, product)]);
    await client.products.create(newProduct, { idempotencyKey: 'order-42-create-cup' });
    expect(requests.map((request) => request.headers['idempotency-key'])).toEqual(['order-42-create-cup', 'order-42-create-cup']);
  });

  it('gives each command call a key of its own', async () => {
    const { client, requests } = clientWith([json(201, product), json(201, product)]);
    await client.products.create(newProduct);
    await client.products.create(newProduct);
    expect(requests[0]!.headers['idempotency-key']).not.toBe(requests[1]!.headers['idempotency-key']);
  });

  it('sends no Idempotency-Key with a query', async () => {
    const { client, requests } = clientWith([json(200, product)]);
    await client.products.get({ id: product.id });
    expect(requests[0]!.headers).not.toHaveProperty('idempotency-key');
  });

  it.each([503, 429])('retries a %i after its Retry-After', async (status) => {
    const { client, requests } = clientWith([problem(status, 'busy', {}, { 'retry-after': '0' }), json(200, product)]);
    await expect(client.products.get({ id: product.id })).resolves.toEqual(product);
    expect(requests).toHaveLength(2);
  });

  it('retries a 409 the server marks with x-should-retry (a key still in progress)', async () => {
    const inProgress = problem(409, 'idempotency_key_in_use', {}, { 'x-should-retry': 'true', 'retry-after': '0' });
    const { client, requests } = clientWith([inProgress, json(201, product)]);
    await expect(client.products.create(newProduct)).resolves.toEqual(product);
    expect(requests).toHaveLength(2);
  });

  it.each([
    [400, ValidationError],
    [404, NotFoundError],
    [500, ServerError],
  ])('does not retry a %i', async (status, ErrorClass) => {
    const { client, requests } = clientWith([problem(status, 'nope'), json(200, product)]);
    await expect(client.products.get({ id: product.id })).rejects.toBeInstanceOf(ErrorClass);
    expect(requests).toHaveLength(1);
  });

  it('gives up after the allowed retries and throws the last failure', async () => {
    const busy = problem(503, 'unavailable', {}, { 'retry-after': '0' });
    const { client, requests } = clientWith([busy, busy, busy, json(200, product)], { retries: 2 });
    await expect(client.products.get({ id: product.id })).rejects.toMatchObject({ name: 'ServerError', status: 503 });
    expect(requests).toHaveLength(3);
  });

  it('lets one call turn retries off with retries: 0', async () => {
    const busy = problem(503, 'unavailable', {}, { 'retry-after': '0' });
    const { client, requests } = clientWith([busy, json(200, product)], { retries: 5 });
    await expect(client.products.get({ id: product.id }, { retries: 0 })).rejects.toBeInstanceOf(ServerError);
    expect(requests).toHaveLength(1);
  });

  it('does not retry once the caller has aborted', async () => {
    const controller = new AbortController();
    const { client, requests } = clientWith([
      async () => {
        controller.abort();
        throw connectionReset();
      },
      json(200, product),
    ]);
    await expect(client.products.get({ id: product.id }, { signal: controller.signal })).rejects.toBeInstanceOf(AbortedError);
    expect(requests).toHaveLength(1);
  });

  it('leaves no abort listener on the caller’s signal after waiting out a retry', async () => {
    // One signal may serve a whole session of calls; a listener left per retry would pile up on it.
    const controller = new AbortController();
    const { client, requests } = clientWith([connectionReset(), json(200, product)]);
    await expect(client.products.get({ id: product.id }, { signal: controller.signal })).resolves.toEqual(product);
    expect(requests).toHaveLength(2);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('stops waiting between retries when the caller aborts', async () => {
    const controller = new AbortController();
    // No Retry-After, so the client backs off for at least 125 ms: plenty of time to abort in.
    const { client, requests } = clientWith([
      async () => {
        setImmediate(() => controller.abort());
        return problem(503, 'unavailable');
      },
      json(200, product),
    ]);
    await expect(client.products.get({ id: product.id }, { signal: controller.signal })).rejects.toMatchObject({
      name: 'AbortedError',
      code: 'aborted',
      status: 0,
    });
    expect(requests).toHaveLength(1);
  });
});

describe('cancellation and timeouts', () => {
  it('aborts a request in flight when the caller’s signal fires', async () => {
    const controller = new AbortController();
    let arrived!: () => void;
    const requestArrived = new Promise<void>((resolve) => (arrived = resolve));
    const { client, requests } = clientWith([
      (request) => {
        arrived();
        return hangUntilAborted(request);
      },
    ]);
    const pending = client.products.get({ id: product.id }, { signal: controller.signal });
    await requestArrived;
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortedError', code: 'aborted', status: 0 });
    await expect(pending).rejects.toBeInstanceOf(AbortedError);
    expect(requests[0]!.signal.aborted).toBe(true);
  });

  it('fails an attempt that outlives timeoutMs with a NetworkError coded timeout', async () => {
    const { client } = clientWith([hangUntilAborted], { timeoutMs: 20, retries: 0 });
    const failure = client.products.get({ id: product.id });
    await expect(failure).rejects.toBeInstanceOf(NetworkError);
    await expect(failure).rejects.toMatchObject({ code: 'timeout', status: 0, message: `No answer from ${BASE_URL} within 20 ms` });
  });

  it('retries an attempt that timed out, with a fresh timeout and the same key', async () => {
    const { client, requests } = clientWith([hangUntilAborted, json(201, product)], { timeoutMs: 20 });
    await expect(client.products.create(newProduct)).resolves.toEqual(product);
    expect(requests).toHaveLength(2);
    expect(requests[1]!.signal.aborted).toBe(false);
    expect(requests[1]!.headers['idempotency-key']).toBe(requests[0]!.headers['idempotency-key']);
  });

  it('lets one call set its own timeout', async () => {
    const { client } = clientWith([hangUntilAborted], { timeoutMs: 60_000, retries: 0 });
    await expect(client.products.get({ id: product.id }, { timeoutMs: 10 })).rejects.toMatchObject({ code: 'timeout' });
  });

  it('reports a connection failure as a NetworkError that says what happened', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    const { client } = clientWith([refused], { retries: 0 });
    await expect(client.products.get({ id: product.id })).rejects.toMatchObject({
      name: 'NetworkError',
      code: 'network_error',
      status: 0,
      message: `Could not reach ${BASE_URL}: connection refused (is the server running?)`,
      cause: refused,
    });
  });
});

describe('createShopClient options', () => {
  it('refuses an unknown option with a TypeError', () => {
    expect(() => createShopClient({ baseUrl: BASE_URL, retry: 3 } as ShopClientOptions)).toThrow(
      new TypeError('createShopClient: unknown option "retry"'),
    );
  });

  it('refuses a missing baseUrl with a TypeError', () => {
    expect(() => createShopClient({} as ShopClientOptions)).toThrow(TypeError);
  });

  it.each(['localhost:3000', 'shop.example.com', '//shop.example.com', 'ftp://shop.example.com', 'htp://localhost:3000'])(
    'refuses the baseUrl %j, which has no http:// or https://, when the client is created',
    (baseUrl) => {
      const { transport, requests } = scriptedTransport([]);
      expect(() => createShopClient({ baseUrl, transport })).toThrow(
        new TypeError(`createShopClient: baseUrl must start with http:// or https://, got ${JSON.stringify(baseUrl)}`),
      );
      expect(requests).toHaveLength(0);
    },
  );

  it.each(['http://localhost:3000', 'https://shop.example.com/', 'HTTPS://Shop.Example.com'])('accepts the baseUrl %j', (baseUrl) => {
    expect(() => createShopClient({ baseUrl, transport: scriptedTransport([]).transport })).not.toThrow();
  });

  it('sends the token as a bearer credential, and a new one after setToken', async () => {
    const { client, requests } = clientWith([json(200, product), json(200, product)]);
    await client.products.get({ id: product.id });
    client.setToken('fresh-token');
    await client.products.get({ id: product.id });
    expect(requests.map((request) => request.headers.authorization)).toEqual(['Bearer admin-token', 'Bearer fresh-token']);
  });

  it('sends the API key when there is no token', async () => {
    const { client, requests } = clientWith([json(200, product)], { token: undefined, apiKey: 'partner-key' });
    await client.products.get({ id: product.id });
    expect(requests[0]!.headers.authorization).toBe('Bearer partner-key');
  });

  it('merges headers case-insensitively, the call’s over the client’s', async () => {
    const { client, requests } = clientWith([json(201, product)], { headers: { 'X-Tenant': 'acme', 'X-Trace': 'client' } });
    await client.products.create(newProduct, { headers: { 'x-trace': 'call', 'Idempotency-Key': 'from-a-header-1' } });
    expect(requests[0]!.headers).toMatchObject({ 'x-tenant': 'acme', 'x-trace': 'call', 'idempotency-key': 'from-a-header-1' });
    expect(Object.keys(requests[0]!.headers).filter((name) => name.toLowerCase() === 'idempotency-key')).toHaveLength(1);
  });

  it('trims a trailing slash from baseUrl', async () => {
    const { client, requests } = clientWith([json(200, product)], { baseUrl: `${BASE_URL}/` });
    await client.products.get({ id: product.id });
    expect(requests[0]!.url).toBe(`${BASE_URL}/api/products/${product.id}`);
  });

  it('answers callWithResponse with status, headers and request id', async () => {
    const { client } = clientWith([json(201, product, { etag: '"1"', 'x-request-id': 'req-7' })]);
    const response = await client.callWithResponse('products.create', newProduct);
    expect(response).toEqual({ data: product, status: 201, headers: expect.objectContaining({ etag: '"1"' }), requestId: 'req-7' });
  });

  it('calls the transport’s close from close()', async () => {
    let closed = 0;
    const client = createShopClient({ baseUrl: BASE_URL, transport: { request: hangUntilAborted, close: async () => void closed++ } });
    await client.close();
    expect(closed).toBe(1);
  });
});

describe('local validation', () => {
  it('refuses invalid input with a ValidationError and never calls the transport', async () => {
    const { client, requests } = clientWith([json(201, product)]);
    const failure = client.products.create({ ...newProduct, price: { amount: 12.99, currency: 'usd' } });
    await expect(failure).rejects.toBeInstanceOf(ValidationError);
    const error = (await failure.catch((caught: unknown) => caught)) as ValidationError;
    expect(error).toMatchObject({ status: 0, code: 'validation_failed' });
    expect(error.fieldErrors.map((fieldError) => fieldError.field).sort()).toEqual(['price.amount', 'price.currency']);
    expect(error.message).toMatch(/^Invalid input for products\.create: /);
    expect(requests).toHaveLength(0);
  });

  it('speaks as the server does: code validation_failed, plain words, the text rule included', async () => {
    const { client, requests } = clientWith([]);
    const error = (await client.products
      .create({ ...newProduct, name: ' ', description: 'ok\u0000', price: { amount: -1, currency: 'USD' } })
      .catch((caught: unknown) => caught)) as ValidationError;
    expect(error).toMatchObject({ status: 0, code: 'validation_failed', problem: { code: 'validation_failed', status: 400 } });
    expect(error.fieldErrors).toEqual([
      { field: 'name', message: 'must not be blank' },
      { field: 'description', message: expect.stringMatching(/^must be text without control characters/) },
      { field: 'price.amount', message: 'must be 0 or more' },
    ]);
    expect(requests).toHaveLength(0);
  });

  it('reports every bad field: a malformed id and an unknown one', async () => {
    const { client, requests } = clientWith([]);
    const error = (await client.products.update({ id: 'not-a-uuid', colour: 'red' } as never).catch((caught: unknown) => caught)) as ValidationError;
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.fieldErrors.map((fieldError) => fieldError.field)).toEqual(expect.arrayContaining(['id', '(input)']));
    expect(requests).toHaveLength(0);
  });

  it('throws a TypeError for an operation the contract does not have', async () => {
    const { client } = clientWith([]);
    await expect(client.call('products.explode' as 'products.get', { id: product.id })).rejects.toThrow(new TypeError('Unknown operation "products.explode"'));
  });
});

describe('paginated methods', () => {
  it('follows nextCursor until it is null, keeping the caller’s filters', async () => {
    const page = (ids: string[], nextCursor: string | null) => json(200, { items: ids.map((id) => ({ ...product, id })), nextCursor });
    const { client, requests } = clientWith([page(['a', 'b'], 'c1'), page(['c', 'd'], 'c2'), page(['e'], null)]);
    const ids: string[] = [];
    for await (const item of client.products.list.all({ price_max: 5000, currency: 'USD', limit: 2 })) ids.push(item.id);
    expect(ids).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(requests.map((request) => new URL(request.url).search)).toEqual([
      '?price_max=5000&currency=USD&limit=2',
      '?price_max=5000&currency=USD&limit=2&cursor=c1',
      '?price_max=5000&currency=USD&limit=2&cursor=c2',
    ]);
  });

  it('fetches a page only when the loop asks for it', async () => {
    const { client, requests } = clientWith([json(200, { items: [product, product], nextCursor: 'more' })]);
    for await (const item of client.products.list.all()) {
      expect(item).toEqual(product);
      break;
    }
    expect(requests).toHaveLength(1);
  });
});


describe('answers that are not JSON', () => {
  const htmlPage = (status: number): Step => ({ status, headers: { 'content-type': 'text/html; charset=utf-8' }, body: '<!doctype html><title>Welcome to nginx!</title>' });

  it('refuses an HTML page where the contract promises JSON, instead of returning it as a product', async () => {
    const { client, requests } = clientWith([htmlPage(200), json(200, product)]);
    const error = await client.products.get({ id: product.id }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnexpectedResponseError);
    expect(error).toBeInstanceOf(ShopApiError);
    expect(error).toMatchObject({ name: 'UnexpectedResponseError', status: 200, code: 'unexpected_response', contentType: 'text/html; charset=utf-8' });
    expect((error as Error).message).toBe(
      `GET ${BASE_URL}/api/products/${product.id} answered HTTP 200 with text/html; charset=utf-8, where the eventshop API sends JSON: is ${BASE_URL} an eventshop server?`,
    );
    // A read is safe to repeat, yet asking again would get the same page.
    expect(requests).toHaveLength(1);
  });

  it('refuses a page that is not JSON for a failure status too, rather than calling it a 404 of ours', async () => {
    const { client, requests } = clientWith([htmlPage(404)]);
    const error = await client.products.create(newProduct).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnexpectedResponseError);
    expect(error).not.toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({ status: 404, code: 'unexpected_response', contentType: 'text/html; charset=utf-8' });
    expect(requests).toHaveLength(1);
  });

  it('refuses a JSON answer cut short, and one with no Content-Type that is not JSON', async () => {
    const { client } = clientWith([
      { status: 200, headers: { 'content-type': 'application/json' }, body: '{"id":"3f1c' },
      { status: 200, headers: {}, body: 'OK' },
      { status: 201, headers: { 'content-type': 'application/json' }, body: '' },
    ]);
    await expect(client.products.get({ id: product.id })).rejects.toThrow(/HTTP 200 with application\/json but a body that is not valid JSON/);
    const untyped = await client.products.get({ id: product.id }).catch((caught: unknown) => caught);
    expect(untyped).toMatchObject({ code: 'unexpected_response', contentType: undefined, message: expect.stringContaining('no Content-Type') });
    await expect(client.products.create(newProduct)).rejects.toBeInstanceOf(UnexpectedResponseError);
  });

  it('reads JSON from a custom transport that leaves the Content-Type out', async () => {
    const { client } = clientWith([{ status: 200, headers: {}, body: JSON.stringify(product) }]);
    await expect(client.products.get({ id: product.id })).resolves.toEqual(product);
  });

  it('still retries a proxy’s own page for a brief outage (503), then reads the server’s JSON', async () => {
    const proxyPage: Step = { status: 503, headers: { 'content-type': 'text/html', 'retry-after': '0' }, body: '<h1>503 Service Unavailable</h1>' };
    const { client, requests } = clientWith([proxyPage, json(200, product)]);
    await expect(client.products.get({ id: product.id })).resolves.toEqual(product);
    expect(requests).toHaveLength(2);
  });
});
