import { createHash } from 'node:crypto';

/**
 * A name-based UUID (RFC 9562 version 5): the same name in the same namespace always gives the
 * same id. Used where one entity per key must exist (one inventory item per product), so the
 * stream's create guard enforces the uniqueness with no lookup table.
 */
export const nameBasedId = (namespace: string, name: string): string => {
  const namespaceBytes = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(namespaceBytes).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};
