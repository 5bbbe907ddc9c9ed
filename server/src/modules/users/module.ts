import { userEvents } from '@eventshop/sdk/contract';
import { declareModule } from '../module.js';
import { addressBookProjection } from './address-book.js';
import { userHandlers } from './handlers.js';
import { userAccountsProjection } from './projections.js';
import { userDecider } from './users.js';

export const usersModule = declareModule({
  name: 'users',
  // No snapshots: an account's state holds its personal data in clear, which must live only sealed in the log.
  streams: [{ prefix: 'user', evolve: userDecider.evolve, initialState: userDecider.initialState }],
  events: userEvents,
  readModels: [
    { name: 'user_accounts', tables: ['user_accounts'], inline: userAccountsProjection },
    { name: 'user_addresses', tables: ['user_addresses'], inline: addressBookProjection },
  ],
  handlers: ({ pool, eventStore, tokens, clock, signUpLimit }) => userHandlers({ pool, eventStore, tokens, clock, signUpLimit }),
});
