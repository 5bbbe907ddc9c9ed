import type { PostgreSQLProjectionDefinition, PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import type { EventDefinition } from '@eventshop/sdk/contract';
import type { TokenService } from '../infra/auth/tokens.js';
import type { Clock } from '../infra/clock.js';
import type { Pool } from '../infra/database/pool.js';
import type { PaymentGateway } from '../infra/payments/gateway.js';
import type { ProcessorDeclaration } from '../infra/processors/declaration.js';
import type { SnapshotStore } from '../infra/snapshots.js';

/** What every module's handlers may use: the shared infrastructure, nothing of another module. */
export type ModuleContext = {
  pool: Pool;
  eventStore: PostgresEventStore;
  snapshots: SnapshotStore;
  tokens: TokenService;
  clock: Clock;
  /** The payment gateway (stripe or simulated), behind its circuit breaker. */
  gateway: PaymentGateway;
  /** Registrations accepted from one address per window (the users module has the defaults). */
  signUpLimit?: { perAddress?: number; windowSeconds?: number } | undefined;
  /** How long stock is held for an unpaid order (the orders module has the default). */
  orderReservationSeconds?: number | undefined;
};

/**
 * A kind of stream and the code that folds its events into an entity. Time travel, diffs and
 * snapshots find a stream's type by the prefix of its name (`product-<id>`) and use this evolve,
 * so history shows an entity exactly as the module's own commands see it.
 */
export type StreamTypeDeclaration = {
  prefix: string;
  // Each module's own state and event types; history hands it the events of this stream type only.
  evolve: (state: any, event: any) => unknown;
  initialState: () => unknown;
  /** Set where the state may be cached as a snapshot (see Decider.snapshotFingerprint). */
  snapshotFingerprint?: string;
  /** How history shows a state, where the one `evolve` folds holds structures made for speed. */
  present?: (state: any) => unknown;
};

/** A read model: its tables (readiness and rebuilds walk them) and, when kept inline, its projection. */
export type ReadModelDeclaration = {
  name: string;
  tables: readonly string[];
  /** Idempotent DDL that creates the tables (run at start, under the migration lock). */
  schema?: readonly string[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each read model projects its own module's events
  inline?: PostgreSQLProjectionDefinition<any>;
};

/**
 * Work that runs on a schedule in one instance at a time (the leader), such as expiring
 * reservations whose time has come. Due work is read from tables on each tick. The processor
 * runtime leads it like a processor (infra/processors/scheduled.ts): listed by
 * `ops.processors.list`, paused and resumed by name, taken over after a crash.
 */
export type ScheduledTaskDeclaration = {
  /** Unique among processors and tasks (lowercase letters, digits, underscores): the lock's and the ops routes' name. */
  name: string;
  /** @deprecated Unused: leadership is by `name`, through the processor runtime's lock. */
  lockKey?: number;
  intervalMs: number;
  tick: (context: ModuleContext) => Promise<unknown>;
};

/**
 * A module declares itself once, here; `app.ts` composes the list, and readiness, time travel
 * and the event catalogue walk it, so a new module gets them by being declared.
 */
export type ModuleDeclaration<Handlers = unknown> = {
  name: string;
  streams: readonly StreamTypeDeclaration[];
  events: Readonly<Record<string, EventDefinition>>;
  readModels: readonly ReadModelDeclaration[];
  /**
   * Work that runs after events commit, in the leader instance (infra/processors/). A function
   * when the processor acts through the module's services (the fulfillment process does).
   */
  processors?: readonly ProcessorDeclaration[] | ((context: ModuleContext) => readonly ProcessorDeclaration[]);
  handlers: (context: ModuleContext) => Handlers;
  scheduledTasks?: readonly ScheduledTaskDeclaration[];
};

export const declareModule = <Handlers>(declaration: ModuleDeclaration<Handlers>) => declaration;
