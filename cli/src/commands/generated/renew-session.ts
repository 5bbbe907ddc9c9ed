import type { OperationDefinition } from '@eventshop/sdk/contract';
import { updateProfile, withCredential } from '../../config/config-file.js';
import { ENV_VARIABLES, type Connection } from '../../config/connection.js';
import type { Printer } from '../../output/printer.js';

/**
 * After an operation that renews the caller's session (a password change ends every older token),
 * keep the new token where the old one came from, so the next command still works. A token given
 * by flag or environment cannot be rewritten from here, so say what to do instead.
 */
export const keepRenewedSession = async (
  definition: OperationDefinition,
  answer: unknown,
  { configPath, connection, printer }: { configPath: string; connection: Connection; printer: Printer },
): Promise<void> => {
  if (!definition.renewsSession) return;
  const session = answer as { token?: unknown; expiresAt?: unknown; user?: { email?: unknown } };
  if (typeof session.token !== 'string' || typeof session.expiresAt !== 'string') return;
  if (connection.credential?.kind !== 'token') return;
  if (connection.credential.source === 'profile') {
    const { token, expiresAt } = session;
    const email = typeof session.user?.email === 'string' ? session.user.email : undefined;
    // Saved as `shopctl login` saves a session; the renewed session is the same person's, so an answer without the user keeps the saved email.
    await updateProfile(configPath, connection.profileName, (profile) => withCredential(profile, { token, expiresAt, email: email ?? profile.email }));
    printer.note(`Your earlier sessions have ended; saved the new token in profile "${connection.profileName}".`);
  } else {
    printer.note(`Your earlier sessions have ended, including the token you passed by ${connection.credential.source === 'flag' ? '--token' : ENV_VARIABLES.token}. Use the new token in the answer (--json shows it), or run \`shopctl login\`.`);
  }
};
