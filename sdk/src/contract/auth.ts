import { z } from 'zod';
import { Id, Timestamp } from './common.js';
import { operation } from './operation.js';
import { secret } from './text.js';

export const Role = z.enum(['customer', 'admin', 'operator', 'service']).describe('A role a principal holds');
export type Role = z.infer<typeof Role>;

export const Email = z
  .email('Enter an email address such as ada@example.com')
  .max(254)
  .describe('Email address')
  .meta({ examples: ['admin@eventshop.local'] });

export const SessionUser = z.object({
  id: Id,
  email: z.string(),
  name: z.string(),
  roles: z.array(Role),
});

export const authOperations = {
  'auth.login': operation({
    id: 'auth.login',
    method: 'POST',
    path: '/api/users/login',
    kind: 'command',
    auth: 'public',
    summary: 'Sign in',
    description: 'Exchanges an email and password for a bearer token. Unknown email and wrong password answer alike.',
    errors: {
      401: 'Email or password is wrong (`invalid_credentials`); an unknown email answers the same',
      429: 'Too many failed sign-ins for this account, or too many attempts from your address; see Retry-After',
    },
    input: z
      .object({
        email: Email,
        password: secret(z.string().min(1).max(1024).describe('Password').meta({ examples: ['correct horse battery staple'] })),
      })
      .strict(),
    output: z.object({
      token: z.string().describe('Bearer token for the Authorization header'),
      expiresAt: Timestamp,
      user: SessionUser,
    }),
    tableColumns: ['expiresAt', 'user'],
  }),
} as const;
