import { GATEWAY_UNAVAILABLE_TITLE } from '../infra/payments/gateway.js';
import type { ProcessorDeclaration } from '../infra/processors/declaration.js';
import { failureActions } from '../infra/processors/failures.js';
import type { Pool } from '../infra/database/pool.js';

/** A step the gateway kept refusing is tried again this many times (one per pass) before it waits for an operator. */
export const RECOVERY_ATTEMPTS = 60;
export const RECOVERY_INTERVAL_MS = 5_000;

/**
 * The process's steps that were parked because the payment gateway was down (a capture on
 * shipping, a void or refund on cancelling) are retried here, oldest first, once per pass. The
 * first retry is the trial call that lets an open circuit breaker close; while it still fails the
 * pass stops there, so an outage costs one call per pass, not one per parked step. A step whose
 * retries run out stays parked for `shopctl failures retry`. Retrying is safe: every gateway call
 * carries an idempotency key of its payment and step, so nothing is charged or refunded twice.
 */
export const retryStepsTheGatewayRefused = async (pool: Pool, processor: ProcessorDeclaration): Promise<number> => {
  const { rows } = await pool.query<{ id: number }>(
    `SELECT id FROM eventshop_parked
      WHERE processor = $1 AND status = 'parked' AND attempts < $2 AND starts_with(error, $3)
      ORDER BY id LIMIT 100`,
    [processor.name, RECOVERY_ATTEMPTS, GATEWAY_UNAVAILABLE_TITLE],
  );
  const failures = failureActions(pool, [processor]);
  let recovered = 0;
  for (const { id } of rows) {
    const outcome = await failures.retry(id, 'gateway recovery');
    if (outcome.error !== undefined) break;
    recovered++;
  }
  return recovered;
};
