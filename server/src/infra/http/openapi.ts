import { z } from 'zod';
import {
  Problem,
  errorResponses,
  fieldLocations,
  groupOf,
  operations,
  type OperationDefinition,
} from '@eventshop/sdk/contract';
import { IDEMPOTENCY_KEY_PATTERN } from './idempotency.js';
import { IF_MATCH_PATTERN } from './input.js';
import { toOpenApiPath } from './routes.js';

type JsonSchema = Record<string, unknown>;

const jsonSchema = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  return rest;
};

const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

/** The contract's error statuses for the operation, each answered with the Problem schema. */
const problemResponses = (definition: OperationDefinition) =>
  Object.fromEntries(Object.entries(errorResponses(definition)).map(([status, description]) => [status, problemResponse(description!)]));

/** The OpenAPI 3.1 document, derived from the contract alone. */
export const buildOpenApiDocument = (options: { serverUrl?: string; version: string }) => {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [id, definition] of Object.entries(operations) as [string, OperationDefinition][]) {
    const locations = fieldLocations(definition);
    const shape = definition.input.shape as Record<string, z.ZodType>;
    const parameters: unknown[] = [];
    const bodyFields: Record<string, true> = {};
    for (const [name, location] of Object.entries(locations)) {
      const field = shape[name]!;
      const schema = jsonSchema(field, 'input');
      const description = (schema.description as string | undefined) ?? field.description;
      if (location === 'body') bodyFields[name] = true;
      else if (location === 'header') {
        parameters.push({
          name: 'If-Match',
          in: 'header',
          required: false,
          description:
            'The ETag you read (`"3"`; `W/"3"` and a bare `3` are taken too); the change is refused with 412 if the entity has moved on. `*` (RFC 9110: any current version) makes the change without a version check. One tag, not a list.',
          schema: { type: 'string', pattern: IF_MATCH_PATTERN.source, examples: ['"1"', '*'] },
        });
      } else {
        parameters.push({
          name,
          in: location,
          required: location === 'path' || !field.safeParse(undefined).success,
          ...(description ? { description } : {}),
          schema,
        });
      }
    }
    if (definition.resume) {
      parameters.push({
        name: 'Last-Event-ID',
        in: 'header',
        required: false,
        description: `Resume after this id (what an EventSource sends on reconnect); the same as \`${definition.resume.inputField}\``,
        schema: { type: 'string' },
      });
    }
    if (definition.rawBody) {
      parameters.push({ name: definition.rawBody.signatureHeader, in: 'header', required: true, description: 'The signature over the exact bytes of the body', schema: { type: 'string' } });
    }
    if (definition.kind === 'command' && definition.auth !== 'public') {
      parameters.push({
        name: 'Idempotency-Key',
        in: 'header',
        required: false,
        description:
          'Repeat a command safely: a retry with the same key returns the first answer and changes nothing. An empty or malformed key is refused with 400.',
        schema: { type: 'string', minLength: 8, maxLength: 128, pattern: IDEMPOTENCY_KEY_PATTERN.source },
      });
    }
    const successStatus = String(definition.successStatus ?? 200);
    const outputHasVersion = 'version' in ((definition.output as unknown as { shape?: object }).shape ?? {});
    const operation: Record<string, unknown> = {
      operationId: id,
      summary: definition.summary,
      ...(definition.description ? { description: definition.description } : {}),
      tags: [groupOf(id)],
      parameters,
      responses: {
        [successStatus]: {
          description: definition.summary,
          ...(outputHasVersion || successStatus === '201'
            ? {
                headers: {
                  ...(outputHasVersion ? { ETag: { description: 'Stream version; send back as If-Match', schema: { type: 'string' } } } : {}),
                  ...(successStatus === '201' ? { Location: { description: 'URL of the created resource', schema: { type: 'string' } } } : {}),
                },
              }
            : {}),
          content:
            definition.kind === 'stream'
              ? {
                  // Each SSE `data:` line is one message of this schema; its id is the resume field.
                  // OpenAPI 3.1 has no item schema for event streams (3.2's itemSchema); an extension carries it.
                  'text/event-stream': { schema: { type: 'string', description: 'Server-Sent Events; each data line is JSON of x-event-schema' }, 'x-event-schema': jsonSchema(definition.output, 'output') },
                }
              : { 'application/json': { schema: jsonSchema(definition.output, 'output') } },
        },
        ...problemResponses(definition),
      },
      ...(definition.auth === 'public' ? { security: [] } : { 'x-required-role': definition.auth }),
    };
    if (definition.rawBody) {
      operation.requestBody = { required: true, content: { 'application/json': { schema: { type: 'object', description: definition.rawBody.body } } } };
    } else if (Object.keys(bodyFields).length > 0) {
      operation.requestBody = {
        required: true,
        content: { 'application/json': { schema: jsonSchema(definition.input.pick(bodyFields), 'input') } },
      };
    }
    (paths[toOpenApiPath(definition.path)] ??= {})[definition.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'eventshop API',
      version: options.version,
      description:
        'Event-sourced commerce backend. Every operation here is also `client.<group>.<name>` in `@eventshop/sdk` and `shopctl <group> <name>`. Errors are RFC 9457 problems.',
    },
    // A relative URL: generated clients send requests to the server they read this document from.
    servers: [{ url: options.serverUrl ?? '/', description: options.serverUrl ? 'eventshop API' : 'The server that serves this document' }],
    security: [{ bearerAuth: [] }],
    paths,
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: { Problem: jsonSchema(Problem, 'output') },
    },
  };
};
