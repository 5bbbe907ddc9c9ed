import { postgreSQLProjection } from '@event-driven-io/emmett-postgresql';
import type { AddressView } from '@eventshop/sdk/contract';
import type { Pool } from '../../infra/database/pool.js';
import type { StoredUserEvent } from './personal-fields.js';
import { revealStoredUserEvents } from './projections.js';
import type { AddressFields } from './users.js';

const ADDRESS_EVENTS: StoredUserEvent['type'][] = [
  'ShippingAddressAdded',
  'ShippingAddressChanged',
  'DefaultShippingAddressSet',
  'ShippingAddressRemoved',
  'UserForgotten',
];

/** Event field → column. A field present in a change event is a changed field, null included. */
const COLUMN_OF: Record<keyof AddressFields, string> = {
  recipientName: 'recipient_name',
  line1: 'line1',
  line2: 'line2',
  city: 'city',
  region: 'region',
  postalCode: 'postal_code',
  country: 'country',
};

/**
 * Shipping addresses, one row each, kept inline with the user streams. `position` is the stream
 * position that added it: "oldest first" without trusting clocks. A forgotten account's rows go.
 */
export const addressBookProjection = postgreSQLProjection<StoredUserEvent>({
  name: 'user_addresses',
  canHandle: ADDRESS_EVENTS,
  handle: async (stored, { connection: { client } }) => {
    for (const event of await revealStoredUserEvents(client, stored)) {
      const position = Number(event.metadata.streamPosition);
      switch (event.type) {
        case 'ShippingAddressAdded': {
          const d = event.data;
          await client.query(
            `INSERT INTO user_addresses (id, user_id, recipient_name, line1, line2, city, region, postal_code, country, is_default, position, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, false, $10, $11, $11) ON CONFLICT (id) DO NOTHING`,
            [d.addressId, d.userId, d.recipientName, d.line1, d.line2, d.city, d.region, d.postalCode, d.country, position, d.addedAt],
          );
          break;
        }
        case 'ShippingAddressChanged': {
          const d = event.data;
          const changed = (Object.keys(COLUMN_OF) as (keyof AddressFields)[]).filter((field) => d[field] !== undefined);
          const assignments = changed.map((field, i) => `${COLUMN_OF[field]} = $${i + 3}`);
          await client.query(`UPDATE user_addresses SET ${[...assignments, 'updated_at = $2'].join(', ')} WHERE id = $1`, [
            d.addressId,
            d.changedAt,
            ...changed.map((field) => d[field]),
          ]);
          break;
        }
        case 'DefaultShippingAddressSet': {
          const d = event.data;
          await client.query(`UPDATE user_addresses SET is_default = (id = $2) WHERE user_id = $1`, [d.userId, d.addressId]);
          break;
        }
        case 'ShippingAddressRemoved':
          await client.query(`DELETE FROM user_addresses WHERE id = $1`, [event.data.addressId]);
          break;
        case 'UserForgotten':
          await client.query(`DELETE FROM user_addresses WHERE user_id = $1`, [event.data.userId]);
          break;
      }
    }
  },
});

type AddressRow = {
  id: string;
  recipient_name: string;
  line1: string;
  line2: string | null;
  city: string;
  region: string | null;
  postal_code: string;
  country: string;
  is_default: boolean;
  version: number;
  created_at: Date;
  updated_at: Date;
};

const toAddressView = (row: AddressRow): AddressView => ({
  id: row.id,
  recipientName: row.recipient_name,
  line1: row.line1,
  line2: row.line2,
  city: row.city,
  region: row.region,
  postalCode: row.postal_code,
  country: row.country,
  isDefault: row.is_default,
  version: Number(row.version),
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});

/** Every query is scoped to the owner: another account's address id simply is not there. */
export const addressBookQueries = (pool: Pool) => ({
  async list(userId: string) {
    // The account row comes along even without addresses: its version is the book's.
    const { rows } = await pool.query<AddressRow>(
      `SELECT ad.*, a.version
         FROM user_accounts a LEFT JOIN user_addresses ad ON ad.user_id = a.id
        WHERE a.id = $1
        ORDER BY ad.position`,
      [userId],
    );
    const items = rows.filter((row) => row.id !== null).map(toAddressView);
    return {
      items,
      defaultAddressId: items.find((item) => item.isDefault)?.id ?? null,
      version: Number(rows[0]?.version ?? 0),
    };
  },

  async find(userId: string, addressId: string): Promise<AddressView | undefined> {
    const { rows } = await pool.query<AddressRow>(
      `SELECT ad.*, a.version FROM user_addresses ad JOIN user_accounts a ON a.id = ad.user_id WHERE ad.id = $1 AND ad.user_id = $2`,
      [addressId, userId],
    );
    return rows[0] && toAddressView(rows[0]);
  },
});

export type AddressBookQueries = ReturnType<typeof addressBookQueries>;
