import { z } from 'zod';

/**
 * Events are contract data, like operations: each type is declared once here with a zod schema
 * for its data. The server infers its domain event types from these, the event catalogue and
 * `docs/events.md` are generated from them, and the SDK's replay iterators are typed by their union.
 */
export type EventDefinition<Type extends string = string, Data extends z.ZodObject = z.ZodObject> = {
  /** Past-tense fact, unique across the shop (`ProductPriceChanged`). */
  readonly type: Type;
  /** The module that records it (`catalog`). */
  readonly module: string;
  /** The prefix of the streams it is recorded in (`product` for `product-<id>`). */
  readonly streamType: string;
  readonly description: string;
  readonly data: Data;
};

export const eventType = <const Type extends string, Data extends z.ZodObject>(
  definition: EventDefinition<Type, Data>,
): EventDefinition<Type, Data> => definition;

/**
 * Marks a field as personal data. The server stores it encrypted under its owner's key
 * (crypto-shredding); readers of history get it decrypted while the key exists and `null` once
 * the owner has been forgotten. The brand lets the types say both: plain inside the server's
 * deciders, `string | null` to readers of the log.
 */
export const personal = <S extends z.ZodString>(schema: S) =>
  schema.brand<'personal'>().meta({ personal: true });

type PersonalBrand = z.core.$brand<'personal'>;

/** A value as the domain sees it: personal fields are ordinary strings. */
export type Plain<T> = T extends string & PersonalBrand
  ? string
  : T extends readonly (infer Item)[]
    ? Plain<Item>[]
    : T extends object
      ? { [K in keyof T]: Plain<T[K]> }
      : T;

/** A value as a reader of history sees it: personal fields are `null` once forgotten. */
export type Revealed<T> = T extends string & PersonalBrand
  ? string | null
  : T extends readonly (infer Item)[]
    ? Revealed<Item>[]
    : T extends object
      ? { [K in keyof T]: Revealed<T[K]> }
      : T;

/** The event a decider returns and `evolve` reads: type and plain data. */
export type DomainEventOf<Definition extends EventDefinition> = Definition extends EventDefinition<infer Type, infer Data>
  ? { type: Type; data: Plain<z.output<Data>> }
  : never;

/** Whether a top-level field of an event's data is personal (read from the schema's metadata). */
export const isPersonalField = (schema: z.ZodType): boolean => {
  let current: z.ZodType | undefined = schema;
  for (let depth = 0; current && depth < 8; depth++) {
    if ((current.meta() as { personal?: boolean } | undefined)?.personal === true) return true;
    current = (current as unknown as { _zod: { def: { innerType?: z.ZodType } } })._zod.def.innerType;
  }
  return false;
};

/** Names of the personal fields of an event type's data. */
export const personalFieldsOf = (definition: EventDefinition): string[] =>
  Object.entries(definition.data.shape)
    .filter(([, schema]) => isPersonalField(schema as z.ZodType))
    .map(([name]) => name);

/**
 * The event's data as readers of history receive it: every personal field may be null. Built
 * from the declared schema, so the published JSON Schema says so too.
 */
export const revealedDataSchema = (definition: EventDefinition): z.ZodObject => {
  const personalFields = new Set(personalFieldsOf(definition));
  if (personalFields.size === 0) return definition.data;
  const shape = Object.fromEntries(
    Object.entries(definition.data.shape).map(([name, schema]) => [
      name,
      personalFields.has(name) && !(schema as z.ZodType).safeParse(null).success ? (schema as z.ZodType).nullable() : schema,
    ]),
  );
  return z.object(shape as z.ZodRawShape);
};
