import { EXPECTED_VERSION_FIELD, pathParameterNames, type ErrorStatus, type OperationDefinition } from './operation.js';

/**
 * Every error status an operation can answer, with what it means there: the rules that follow
 * from what the operation is (who may call it, whether it changes state, takes a version or a path
 * parameter), plus the refusals its own definition declares (`errors`). The OpenAPI document lists
 * exactly these, and the test server fails a test that sees an operation answer anything else.
 */
export const errorResponses = (definition: OperationDefinition): Partial<Record<ErrorStatus, string>> => {
  const signedIn = definition.auth !== 'public';
  const hasPathParameters = pathParameterNames(definition.path).length > 0;
  return {
    400: 'Invalid input (`errors` lists each field), a malformed header, or an unsupported Transfer-Encoding; nothing was changed',
    ...(signedIn
      ? {
          401: 'Missing, malformed, expired or revoked credential',
          403: 'Signed in without the role (or the kind of account) the operation needs',
        }
      : {}),
    ...(hasPathParameters
      ? { 404: 'Nothing has that identifier (or it is not yours)', 414: 'A path segment is longer than any identifier (100 characters)' }
      : {}),
    ...(signedIn && definition.kind === 'command'
      ? {
          409: 'Conflicts with the current state, or the Idempotency-Key is still in use by an unfinished request',
          422: 'Idempotency-Key reused for a different request',
        }
      : {}),
    ...(EXPECTED_VERSION_FIELD in definition.input.shape ? { 412: 'If-Match is stale; `currentVersion` says where it is now' } : {}),
    413: 'The request body is larger than 64 KiB',
    415: 'The body is not JSON, or is compressed (Content-Encoding other than identity)',
    500: 'Unexpected failure; nothing was changed',
    503: 'The database is unavailable; retry after Retry-After',
    ...definition.errors,
  };
};
