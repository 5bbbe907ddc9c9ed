import { z } from 'zod';
import {
  EXPECTED_VERSION_FIELD,
  Problem,
  fieldLocations,
  groupOf,
  operations,
  type OperationDefinition,
} from '@eventshop/sdk/contract';
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

const errorResponses = (definition: OperationDefinition) => {
  const responses: Record<string, unknown> = {
    '400': problemResponse('Invalid input; `errors` lists each field'),
    '429': problemResponse('Too many requests; see Retry-After'),
    '500': problemResponse('Unexpected failure; nothing was changed'),
  };
  if (definition.auth !== 'public') {
    responses['401'] = problemResponse('Missing, invalid or expired token');
    responses['403'] = problemResponse('Signed in without the needed role');
  }
  if (fieldLocations(definition).id === 'path' || /:/.test(definition.path)) responses['404'] = problemResponse('Not found');
  if (definition.kind === 'command' && definition.auth !== 'public') {
    responses['409'] = problemResponse('Conflicts with the current state');
    responses['422'] = problemResponse('Idempotency-Key reused for a different request');
  }
  if (EXPECTED_VERSION_FIELD in definition.input.shape) responses['412'] = problemResponse('If-Match is stale; `currentVersion` says where it is now');
  return responses;
};

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
          description: 'The ETag you read; the change is refused with 412 if the entity has moved on',
          schema: { type: 'string', examples: ['"1"'] },
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
    if (definition.kind === 'command' && definition.auth !== 'public') {
      parameters.push({
        name: 'Idempotency-Key',
        in: 'header',
        required: false,
        description: 'Repeat a command safely: a retry with the same key returns the first answer and changes nothing',
        schema: { type: 'string', minLength: 8, maxLength: 128, pattern: '^[A-Za-z0-9._:-]{8,128}$' },
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
        ...errorResponses(definition),
      },
      ...(definition.auth === 'public' ? { security: [] } : { 'x-required-role': definition.auth }),
    };
    if (Object.keys(bodyFields).length > 0) {
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
    ...(options.serverUrl ? { servers: [{ url: options.serverUrl }] } : {}),
    security: [{ bearerAuth: [] }],
    paths,
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: { Problem: jsonSchema(Problem, 'output') },
    },
  };
};
