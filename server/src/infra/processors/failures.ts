import { inTransaction } from '../database/transaction.js';
import type pg from 'pg';
import { InvalidStateError, NotFoundError } from '../http/problems.js';
import { logReader } from '../log/log-reader.js';
import type { ProcessorDeclaration } from './declaration.js';
import { parkedStore, type ParkedEvent } from './parked.js';
import { errorText } from './runner.js';

export type RetryOutcome = { failure: ParkedEvent; error?: string };

/**
 * An operator's retry or skip of a parked event, from any instance (not only the leader). Each
 * runs in one transaction that first locks the processor's checkpoint row, so it never
 * interleaves with a live batch, and the retried handler's writes commit with the parked row's
 * new status or not at all.
 */
export const failureActions = (pool: pg.Pool, processors: readonly ProcessorDeclaration[]) => {
  const byName = new Map(processors.map((processor) => [processor.name, processor]));

  /** The parked row, locked, with its processor's checkpoint locked too. */
  const open = async (tx: pg.PoolClient, id: number, allowed: readonly ParkedEvent['status'][]) => {
    const failure = await parkedStore(tx).get(id, true);
    if (!failure) throw new NotFoundError('Failure', String(id));
    if (!allowed.includes(failure.status)) {
      throw new InvalidStateError(
        failure.status === 'blocked'
          ? `Failure ${id} is blocked behind a parked event of ${failure.streamId}; retry or skip that one (GET /api/ops/failures?status=parked&processor=${failure.processor}).`
          : `Failure ${id} is already ${failure.status}.`,
      );
    }
    const processor = byName.get(failure.processor);
    if (!processor) throw new InvalidStateError(`No processor named ${failure.processor} is declared any more; skip the event instead.`);
    await tx.query('SELECT 1 FROM eventshop_checkpoints WHERE processor = $1 FOR UPDATE', [failure.processor]);
    return { failure, processor };
  };

  /** Runs the handler on one parked event inside a savepoint; the error when it throws. */
  const handleOne = async (tx: pg.PoolClient, processor: ProcessorDeclaration, failure: ParkedEvent): Promise<string | undefined> => {
    const event = await logReader(tx).at(failure.position);
    if (!event) return `event ${failure.position} is no longer in the log`;
    await tx.query('SAVEPOINT retry_event');
    try {
      await processor.handle([event], { tx, mode: 'live', processor: processor.name });
      await tx.query('RELEASE SAVEPOINT retry_event');
      return undefined;
    } catch (error) {
      await tx.query('ROLLBACK TO SAVEPOINT retry_event');
      return errorText(error);
    }
  };

  /**
   * After the parked event of an ordered stream is resolved, the events blocked behind it follow
   * in order; the first that fails is parked in its turn and the rest stay blocked.
   */
  const release = async (tx: pg.PoolClient, processor: ProcessorDeclaration, streamId: string, by: string) => {
    const parked = parkedStore(tx);
    const stillParked = await tx.query(`SELECT 1 FROM eventshop_parked WHERE processor = $1 AND stream_id = $2 AND status = 'parked' LIMIT 1`, [processor.name, streamId]);
    if (stillParked.rowCount) return;
    for (const blocked of await parked.blockedBehind(processor.name, streamId)) {
      const error = await handleOne(tx, processor, blocked);
      if (error !== undefined) {
        await parked.resolve(blocked.id, { status: 'parked', error, attempts: blocked.attempts + 1 });
        return;
      }
      await parked.resolve(blocked.id, { status: 'retried', attempts: blocked.attempts + 1, by });
    }
  };

  return {
    async retry(id: number, by: string): Promise<RetryOutcome> {
      return inTransaction(pool, async (tx) => {
        const { failure, processor } = await open(tx, id, ['parked']);
        const parked = parkedStore(tx);
        const error = await handleOne(tx, processor, failure);
        if (error !== undefined) {
          await parked.resolve(id, { status: 'parked', error, attempts: failure.attempts + 1 });
          return { failure: (await parked.get(id))!, error };
        }
        await parked.resolve(id, { status: 'retried', attempts: failure.attempts + 1, by });
        await release(tx, processor, failure.streamId, by);
        return { failure: (await parked.get(id))! };
      });
    },

    async skip(id: number, reason: string, by: string): Promise<ParkedEvent> {
      return inTransaction(pool, async (tx) => {
        const { failure, processor } = await open(tx, id, ['parked', 'blocked']);
        const parked = parkedStore(tx);
        await parked.resolve(id, { status: 'skipped', reason, by });
        if (failure.status === 'parked') await release(tx, processor, failure.streamId, by);
        return (await parked.get(id))!;
      });
    },
  };
};
