import type { Role } from '@eventshop/sdk/contract';
import { InvalidStateError } from '../../infra/http/problems.js';

export type UserRegistered = {
  type: 'UserRegistered';
  data: { userId: string; email: string; name: string; roles: Role[]; registeredAt: string };
};
export type UserEvent = UserRegistered;
export const userEventTypes: UserEvent['type'][] = ['UserRegistered'];

export type RegisterUser = {
  type: 'RegisterUser';
  data: { userId: string; email: string; name: string; roles: Role[]; now: Date };
};
export type UserCommand = RegisterUser;

export type User = { status: 'empty' } | { status: 'active'; email: string; name: string; roles: Role[] };

export const initialState = (): User => ({ status: 'empty' });

export const evolve = (state: User, event: UserEvent): User => {
  switch (event.type) {
    case 'UserRegistered':
      return { status: 'active', email: event.data.email, name: event.data.name, roles: event.data.roles };
    default: {
      const _exhaustive: never = event.type;
      return state;
    }
  }
};

export const decide = (command: UserCommand, state: User): UserEvent | UserEvent[] => {
  switch (command.type) {
    case 'RegisterUser': {
      if (state.status !== 'empty') throw new InvalidStateError('User already exists');
      const { userId, email, name, roles, now } = command.data;
      return { type: 'UserRegistered', data: { userId, email, name, roles, registeredAt: now.toISOString() } };
    }
    default: {
      const _exhaustive: never = command.type;
      throw new Error('Unknown command');
    }
  }
};

export const userDecider = { decide, evolve, initialState };
export const userStreamName = (userId: string) => `user-${userId}`;
