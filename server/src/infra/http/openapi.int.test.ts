import { Validator } from '@seriousme/openapi-schema-validator';
import createClient from 'openapi-fetch';
import openapiTS, { astToString } from 'openapi-typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operations } from '@eventshop/sdk/contract';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startTestServer, type TestServer } from '../../../../test/server.js';

type Doc = {
  paths: Record<string, Record<string, { operationId: string; requestBody?: { content: Record<string, { schema: Schema }> } }>>;
};
type Schema = { properties?: Record<string, Schema>; examples?: unknown[]; pattern?: string; format?: string; type?: string | string[] };

let server: TestServer;
let baseUrl: string;
let document: Doc;

beforeAll(async () => {
  server = await startTestServer();
  baseUrl = await server.app.listen({ host: '127.0.0.1', port: 0 });
  document = (await (await fetch(`${baseUrl}/openapi.json`)).json()) as Doc;
});
afterAll(() => server?.close());

describe('/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document by a third-party validator', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document) as unknown as Parameters<Validator["validate"]>[0]);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('describes every contract operation, and nothing else', () => {
    const described = Object.values(document.paths).flatMap((methods) => Object.values(methods).map((op) => op.operationId));
    expect(described.sort()).toEqual(Object.keys(operations).sort());
  });

  it('gives every constrained request field an example', () => {
    const missing: string[] = [];
    const visit = (schema: Schema, where: string) => {
      for (const [name, property] of Object.entries(schema.properties ?? {})) {
        const constrained = property.pattern !== undefined || property.format !== undefined;
        if (constrained && !property.examples?.length) missing.push(`${where}.${name}`);
        if (property.properties) visit(property, `${where}.${name}`);
      }
    };
    for (const methods of Object.values(document.paths)) {
      for (const op of Object.values(methods)) {
        const body = op.requestBody?.content['application/json']?.schema;
        if (body) visit(body, op.operationId);
      }
    }
    expect(missing).toEqual([]);
  });

  it("accepts the body assembled from the document's own examples", async () => {
    const body = document.paths['/api/products']!.post!.requestBody!.content['application/json']!.schema;
    const fromExamples = (schema: Schema): unknown =>
      schema.examples?.[0] ??
      (schema.properties
        ? Object.fromEntries(Object.entries(schema.properties).map(([name, property]) => [name, fromExamples(property)]))
        : undefined);
    const response = await fetch(`${baseUrl}/api/products`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await server.adminToken()}`, 'content-type': 'application/json' },
      body: JSON.stringify(fromExamples(body)),
    });
    expect(response.status).toBe(201);
  });

  it('serves a browsable reference at /docs', async () => {
    const response = await fetch(`${baseUrl}/docs`, { redirect: 'follow' });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('swagger');
  });
});

describe('a client generated from the document alone (openapi-typescript + openapi-fetch)', () => {
  it('generates types for every path', async () => {
    const types = astToString(await openapiTS(document as never));
    for (const path of Object.keys(document.paths)) expect(types).toContain(`"${path}"`);
    expect(types).toContain('Problem');
  });

  it('signs in, creates, searches and reads a product, and reads a problem', async () => {
    const client = createClient<Record<string, never>>({ baseUrl });
    const untyped = client as unknown as {
      POST(path: string, init: object): Promise<{ data?: any; error?: any; response: Response }>;
      GET(path: string, init: object): Promise<{ data?: any; error?: any; response: Response }>;
    };
    const login = await untyped.POST('/api/users/login', { body: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } });
    expect(login.response.status).toBe(200);
    const headers = { authorization: `Bearer ${login.data.token}` };

    const created = await untyped.POST('/api/products', {
      headers,
      body: { name: 'Generated-client teapot', description: 'cast iron', price: { amount: 3900, currency: 'EUR' }, categoryId: 'tea' },
    });
    expect(created.response.status).toBe(201);
    expect(created.response.headers.get('etag')).toBe('"1"');

    const found = await untyped.GET('/api/products/search', { params: { query: { q: 'teapot', price_max: 5000, currency: 'EUR' } } });
    expect(found.data.items.map((p: { id: string }) => p.id)).toContain(created.data.id);

    const read = await untyped.GET('/api/products/{id}', { params: { path: { id: created.data.id } } });
    expect(read.data).toMatchObject({ name: 'Generated-client teapot', price: { amount: 3900, currency: 'EUR' } });

    const problem = await untyped.GET('/api/products/{id}', { params: { path: { id: 'nope' } } });
    expect(problem.response.status).toBe(400);
    expect(problem.response.headers.get('content-type')).toContain('application/problem+json');
    expect(problem.error).toMatchObject({ status: 400, code: 'validation_failed' });
  });
});
