import { z } from 'zod';

export const Id = z.uuid().describe('Identifier (UUID)').meta({ examples: ['3f1c2a4e-7b9d-4e8a-9c1f-2d3e4f5a6b7c'] });

export const Currency = z
  .string()
  .regex(/^[A-Z]{3}$/, 'Use a three-letter ISO 4217 code in capitals, such as USD')
  .describe('ISO 4217 currency code')
  .meta({ examples: ['USD'] });

/** Money is integer minor units plus a currency: 1999 USD is $19.99. Never a float. */
export const Money = z
  .object({
    amount: z
      .number()
      .int('Use whole minor units (cents): 1999 for 19.99')
      .min(0)
      .max(100_000_000_00)
      .describe('Amount in minor units (cents)')
      .meta({ examples: [1999] }),
    currency: Currency,
  })
  .strict()
  .describe('An amount of money in minor units')
  .meta({ examples: [{ amount: 1999, currency: 'USD' }] });
export type Money = z.infer<typeof Money>;

export const ExpectedVersion = z
  .number()
  .int()
  .min(0)
  .describe('The version you last read (the ETag); the change is refused with 412 if the entity has moved on')
  .meta({ examples: [1] });

export const Limit = z.number().int().min(1).max(100).describe('Page size (1-100, default 20)').meta({ examples: [20] });

export const Cursor = z
  .string()
  .min(1)
  .max(512)
  .describe('Opaque cursor from the previous page’s nextCursor');

/**
 * `instant: true` in the metadata marks a field that holds a moment in time, so tools can offer
 * friendlier spellings of it (shopctl also takes `--at 2h` or `--since yesterday`).
 */
export const Timestamp = z.string().describe('ISO 8601 timestamp').meta({ instant: true, examples: ['2026-11-24T12:00:00.000Z'] });

export const page = <Item extends z.ZodType>(item: Item) =>
  z.object({
    items: z.array(item),
    nextCursor: z.string().nullable().describe('Pass as `cursor` to get the next page; null on the last page'),
  });

/** RFC 9457 problem details: the one error shape every face of the API speaks. */
export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    code: z.string().describe('Stable machine-readable error code'),
    instance: z.string().optional(),
    requestId: z.string().optional(),
    errors: z
      .array(z.object({ field: z.string(), message: z.string() }))
      .optional()
      .describe('Field-level problems, for validation errors'),
    currentVersion: z.number().int().optional().describe('For 412: the version the entity is at now'),
  })
  .describe('A problem (RFC 9457)');
export type Problem = z.infer<typeof Problem>;
