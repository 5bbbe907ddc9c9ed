import { EVENT_TYPE_NAMES } from '@eventshop/sdk/contract';
import { declareProcessor } from './declaration.js';
import { sleep } from './runner.js';

/**
 * Test-only (EVENTSHOP_TEST_RECORDER=1): records every event it handles with the instance that
 * handled it, so a test with several server processes can prove each event was handled exactly
 * once. Declared like any other processor; its table has no unique key on purpose, so a
 * duplicate would show.
 */
export const RECORDER_TABLE = `CREATE TABLE IF NOT EXISTS eventshop_test_handled (
  position bigint NOT NULL,
  event_id text NOT NULL,
  instance text NOT NULL,
  handled_at timestamptz NOT NULL DEFAULT clock_timestamp()
)`;

export const recorderProcessor = (instance: string, delayMs: number) =>
  declareProcessor({
    name: 'test_recorder',
    kind: 'read-model',
    handles: EVENT_TYPE_NAMES,
    tables: ['eventshop_test_handled'],
    handle: async (events, { tx }) => {
      await tx.query(`INSERT INTO eventshop_test_handled (position, event_id, instance) SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[])`, [
        events.map((event) => event.position),
        events.map((event) => event.eventId),
        events.map(() => instance),
      ]);
      // Widens the window in which a kill lands mid-batch (the crash tests).
      if (delayMs > 0) await sleep(delayMs);
    },
  });
