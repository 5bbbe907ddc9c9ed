import { HttpProblem, NotFoundError } from '../infra/http/problems.js';
import { streamTypeOf } from '../infra/log/log-reader.js';
import type { Queryable } from '../infra/privacy/keyring.js';
import type { SnapshotStore } from '../infra/snapshots.js';
import type { StreamTypeDeclaration } from '../modules/module.js';
import { revealForHistory } from './history-events.js';
import { streamReader } from './stream-reader.js';

/** Where in a stream's history to look: a version, an instant, or (neither) now. */
export type HistoryPoint = { version?: number | undefined; at?: Date | undefined };

export type EntityAt = {
  streamId: string;
  streamType: string;
  version: number;
  occurredAt: string;
  currentVersion: number;
  state: Record<string, unknown>;
};

const PAGE = 1000;

/**
 * Time travel: an entity as it was, folded by its module's own `evolve` from the newest usable
 * snapshot on. Events are read revealed as history shows them (personal fields null once
 * forgotten), so a forgotten account's past states hold no personal data.
 */
export const timeTravel = (deps: { db: Queryable; snapshots: SnapshotStore; streamTypes: ReadonlyMap<string, StreamTypeDeclaration> }) => {
  const streams = streamReader(deps.db);

  const streamTypeFor = (streamId: string) => {
    const declaration = deps.streamTypes.get(streamTypeOf(streamId));
    if (!declaration) throw new NotFoundError('Stream', streamId);
    return declaration;
  };

  return {
    async stateAt(streamId: string, point: HistoryPoint = {}): Promise<EntityAt> {
      const declaration = streamTypeFor(streamId);
      const currentVersion = await streams.version(streamId);
      if (currentVersion === 0) throw new NotFoundError('Stream', streamId);
      if (point.version !== undefined && point.version > currentVersion) {
        throw new HttpProblem(409, 'version_past_end', 'That version does not exist yet', `${streamId} is at version ${currentVersion}; ask for ${currentVersion} or less.`, {
          currentVersion,
        });
      }
      const target = point.version ?? currentVersion;
      const snapshot = declaration.snapshotFingerprint
        ? await deps.snapshots.latest<unknown>(streamId, declaration.snapshotFingerprint, { atOrBeforeVersion: target, atOrBefore: point.at })
        : undefined;
      let state = snapshot ? snapshot.state : declaration.initialState();
      let version = snapshot?.version ?? 0;
      let occurredAt = snapshot?.occurredAt;
      reading: while (version < target) {
        const page = await streams.events(streamId, { from: version + 1, to: target, limit: PAGE });
        if (page.length === 0) break;
        for (const event of await revealForHistory(deps.db, page)) {
          if (point.at !== undefined && new Date(event.occurredAt) > point.at) break reading;
          state = declaration.evolve(state, event);
          version = event.version;
          occurredAt = event.occurredAt;
        }
        if (page.length < PAGE) break;
      }
      if (version === 0 || occurredAt === undefined) {
        const began = await streams.firstEventAt(streamId);
        throw new HttpProblem(404, 'not_found', 'The stream did not exist yet', `${streamId} began at ${began}, after ${point.at?.toISOString()}.`);
      }
      const shown = declaration.present ? declaration.present(state) : state;
      return { streamId, streamType: streamTypeOf(streamId), version, occurredAt, currentVersion, state: shown as Record<string, unknown> };
    },
  };
};

export type TimeTravel = ReturnType<typeof timeTravel>;
