import { z } from 'zod';
import { personalFieldsOf, revealedDataSchema, type EventDefinition } from '@eventshop/sdk/contract';
import type { ModuleDeclaration } from '../modules/module.js';

export type EventTypeEntry = {
  type: string;
  module: string;
  streamType: string;
  description: string;
  personalFields: string[];
  schema: Record<string, unknown>;
};

/** Every event type the declared modules record, from their contract schemas: the API's answer and docs/events.md's source. */
export const eventCatalogue = (modules: readonly Pick<ModuleDeclaration, 'events'>[]): EventTypeEntry[] =>
  modules
    .flatMap((module) => Object.values(module.events) as EventDefinition[])
    .map((definition) => ({
      type: definition.type,
      module: definition.module,
      streamType: definition.streamType,
      description: definition.description,
      personalFields: personalFieldsOf(definition),
      schema: z.toJSONSchema(revealedDataSchema(definition), { io: 'output', unrepresentable: 'any' }) as Record<string, unknown>,
    }));
