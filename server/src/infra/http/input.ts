import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { EXPECTED_VERSION_FIELD, fieldLocations, validateInput, type OperationDefinition } from '@eventshop/sdk/contract';
import { RequestValidationError, type FieldError } from './problems.js';
import { MalformedQueryValue } from './query-string.js';

/**
 * Gathers one operation's input from where the contract says each field travels (path, query,
 * body, If-Match), turns query strings into the types the schema wants, and validates the
 * whole against the contract's single input schema. Anything sent where no field is expected
 * is refused, so a typo never silently does nothing.
 */
export const parseInput = (definition: OperationDefinition, request: FastifyRequest): Record<string, unknown> => {
  const locations = fieldLocations(definition);
  const shape = definition.input.shape;
  const raw: Record<string, unknown> = {};
  const problems: FieldError[] = [];

  for (const [name, value] of Object.entries((request.params ?? {}) as Record<string, string>)) raw[name] = value;

  for (const [name, value] of Object.entries((request.query ?? {}) as Record<string, unknown>)) {
    if (locations[name] !== 'query') {
      problems.push({ field: name, message: 'Unknown query parameter' });
      continue;
    }
    if (Array.isArray(value)) {
      problems.push({ field: name, message: 'Send this query parameter once' });
      continue;
    }
    if (value instanceof MalformedQueryValue) {
      problems.push({ field: name, message: 'is not valid %-encoded UTF-8 text' });
      continue;
    }
    raw[name] = coerceQueryValue(shape[name] as z.ZodType, value);
  }

  // A raw-body operation (a signed webhook) reads its body itself, byte for byte.
  const body = definition.rawBody ? undefined : request.body;
  const expectsBody = Object.values(locations).includes('body') || definition.method === 'POST' || definition.method === 'PUT';
  if (body !== undefined && body !== null && body !== '') {
    if (!expectsBody) {
      problems.push({ field: '(body)', message: 'This operation takes no request body' });
    } else if (typeof body !== 'object' || Array.isArray(body)) {
      problems.push({ field: '(body)', message: 'The body must be a JSON object' });
    } else {
      for (const [name, value] of Object.entries(body as Record<string, unknown>)) {
        if (locations[name] === 'body') raw[name] = value;
        else problems.push({ field: name, message: locations[name] ? `Send ${name} in the ${describe(locations[name]!)}, not the body` : 'Unknown field' });
      }
    }
  }

  if (EXPECTED_VERSION_FIELD in locations) {
    const ifMatch = request.headers['if-match'];
    if (ifMatch !== undefined) {
      const version = parseIfMatch(ifMatch);
      if (version === undefined) problems.push({ field: 'If-Match', message: 'Send the ETag you read, such as "3", or * for any version' });
      else if (version !== ANY_VERSION) raw[EXPECTED_VERSION_FIELD] = version;
    }
  }

  const validated = validateInput(definition, raw);
  // A field already refused while reading (sent twice, undecodable) is not also reported as missing.
  const reported = new Set(problems.map((problem) => problem.field));
  if (!validated.success) problems.push(...validated.errors.filter((error) => !reported.has(error.field)));
  if (problems.length > 0 || !validated.success) throw new RequestValidationError(dedupe(problems));
  return validated.data;
};

const describe = (location: string) => (location === 'header' ? 'If-Match header' : location === 'path' ? 'URL path' : 'query string');

/**
 * What If-Match may hold: one ETag we gave out (`"7"`, also `W/"7"` or a bare `7`), or `*`, which
 * RFC 9110 defines as "any current version": the change goes ahead without a version check (an
 * entity that does not exist still answers 404). Lists of tags are not accepted: an entity has
 * one version. The OpenAPI document shows this same pattern.
 */
export const IF_MATCH_PATTERN = /^\s*(?:(\*)|(?:W\/)?"(\d{1,15})"|(\d{1,15}))\s*$/;
const ANY_VERSION = '*';

const parseIfMatch = (header: string): number | typeof ANY_VERSION | undefined => {
  const match = IF_MATCH_PATTERN.exec(header);
  if (!match) return undefined;
  return match[1] ? ANY_VERSION : Number(match[2] ?? match[3]);
};

const baseType = (schema: z.ZodType): string => {
  let def = (schema as unknown as { _zod: { def: { type: string; innerType?: z.ZodType } } })._zod.def;
  while (def.innerType && (def.type === 'optional' || def.type === 'default' || def.type === 'nullable' || def.type === 'prefault')) {
    def = (def.innerType as unknown as { _zod: { def: { type: string; innerType?: z.ZodType } } })._zod.def;
  }
  return def.type;
};

const coerceQueryValue = (schema: z.ZodType | undefined, value: unknown): unknown => {
  if (schema === undefined || typeof value !== 'string') return value;
  switch (baseType(schema)) {
    case 'number':
    case 'int':
    case 'bigint':
      return /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value;
    case 'boolean':
      return value === 'true' ? true : value === 'false' ? false : value;
    default:
      return value;
  }
};

const dedupe = (errors: FieldError[]) => {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.field}\u0000${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
};
