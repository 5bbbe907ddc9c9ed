import type { EventTypeEntry } from './event-catalogue.js';

type JsonSchema = { type?: string | string[]; description?: string; properties?: Record<string, JsonSchema>; required?: string[]; anyOf?: JsonSchema[]; enum?: unknown[]; items?: JsonSchema };

const typeOf = (schema: JsonSchema): string => {
  if (schema.enum) return schema.enum.map((value) => JSON.stringify(value)).join(' \\| ');
  if (schema.anyOf) return schema.anyOf.map(typeOf).join(' or ');
  if (schema.type === 'array') return `${schema.items ? typeOf(schema.items) : 'any'}[]`;
  if (Array.isArray(schema.type)) return schema.type.join(' or ');
  return schema.type ?? 'any';
};

const descriptionOf = (schema: JsonSchema): string =>
  schema.description ?? schema.anyOf?.map(descriptionOf).find((description) => description !== '') ?? '';

/**
 * docs/events.md, generated from the same walk as `GET /api/ops/event-types`, so the page can
 * never describe an event the contract does not (a test compares the two).
 */
export const renderEventDocs = (catalogue: readonly EventTypeEntry[]): string => {
  const lines = [
    '# Event catalogue',
    '',
    '<!-- Generated from the contract by `npm run docs:events`; edit sdk/src/contract/, not this file. -->',
    '',
    'Every event the shop records, by module. The same catalogue, with full JSON Schemas, is',
    '`GET /api/ops/event-types`, `client.ops.events.types()` and `shopctl events types`. Fields marked',
    '*personal* are encrypted at rest with their owner’s key: readers of history get them decrypted,',
    'or `null` once the owner has been forgotten. See [history.md](history.md) for reading the log.',
    '',
  ];
  const modules = [...new Set(catalogue.map((entry) => entry.module))];
  for (const module of modules) {
    lines.push(`## ${module}`, '');
    for (const entry of catalogue.filter((each) => each.module === module)) {
      lines.push(`### ${entry.type}`, '', `${entry.description} Stream: \`${entry.streamType}-<id>\`.`, '', '| field | type | description |', '| --- | --- | --- |');
      const schema = entry.schema as JsonSchema;
      const required = new Set(schema.required ?? []);
      for (const [name, field] of Object.entries(schema.properties ?? {})) {
        const notes = [entry.personalFields.includes(name) ? '*personal*' : '', required.has(name) ? '' : '(optional)'].filter(Boolean).join(' ');
        lines.push(`| \`${name}\` | ${typeOf(field)} | ${[descriptionOf(field), notes].filter(Boolean).join(' ')} |`);
      }
      lines.push('');
    }
  }
  return lines.join('\n');
};
