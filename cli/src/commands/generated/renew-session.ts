import type { OperationDefinition } from '@eventshop/sdk/contract';
import { updateProfile, withCredential } from '../../config/config-file.js';
import { ENV_VARIABLES, type Connection } from '../../config/connection.js';
import type { Printer } from '../../output/printer.js';
import { terminalSafe } from '../../output/terminal-safe.js';

type SessionAnswer = { token: string; expiresAt: string; user?: { email?: unknown } };

const sessionIn = (answer: unknown): SessionAnswer | undefined => {
  const session = answer as Partial<SessionAnswer> | undefined;
  return typeof session?.token === 'string' && typeof session.expiresAt === 'string' ? (session as SessionAnswer) : undefined;
};

/**
 * Keeps a session an operation answers with, as `shopctl login` keeps one:
 * - a public operation that answers a session signed someone in (`users register`): the profile now
 *   holds that session, whatever it held before;
 * - an operation that renews the caller's session (a password change ends every older token):
 *   the new token goes where the old one came from, so the next command still works. A token given
 *   by flag or environment cannot be rewritten from here, so say what to do instead.
 */
export const keepSession = async (
  definition: OperationDefinition,
  answer: unknown,
  { configPath, connection, printer }: { configPath: string; connection: Connection; printer: Printer },
): Promise<void> => {
  if (definition.endsSession) {
    await dropSession(connection, configPath, printer);
    return;
  }
  const session = sessionIn(answer);
  if (!session) return;
  const email = typeof session.user?.email === 'string' ? session.user.email : undefined;
  const save = () =>
    updateProfile(configPath, connection.profileName, (profile) =>
      // The renewed session is the same person's, so an answer without the user keeps the saved email.
      ({ ...withCredential(profile, { token: session.token, expiresAt: session.expiresAt, email: email ?? profile.email }), url: connection.url }),
    );
  if (definition.auth === 'public') {
    await save();
    printer.note(`Signed in${email ? ` as ${terminalSafe(email)}` : ''}; saved the session in profile "${connection.profileName}", as \`shopctl login\` does.`);
    return;
  }
  if (!definition.renewsSession || connection.credential?.kind !== 'token') return;
  if (connection.credential.source === 'profile') {
    await save();
    printer.note(`Your earlier sessions have ended; saved the new token in profile "${connection.profileName}".`);
  } else {
    printer.note(`Your earlier sessions have ended, including the token you passed by ${connection.credential.source === 'flag' ? '--token' : ENV_VARIABLES.token}. Use the new token in the answer (--json shows it), or run \`shopctl login\`.`);
  }
};

/**
 * After the account itself is gone (`users forget`), its token and email have no business in the
 * profile: remove them, keep the URL. A token from flag or environment is the caller's to drop.
 */
const dropSession = async (connection: Connection, configPath: string, printer: Printer) => {
  if (connection.credential?.source === 'profile') {
    await updateProfile(configPath, connection.profileName, (profile) => withCredential(profile, undefined));
    printer.note(`Removed the forgotten account's email and token from profile "${connection.profileName}".`);
  } else if (connection.credential) {
    printer.note(`The ${connection.credential.source === 'flag' ? '--token' : ENV_VARIABLES.token} you passed belonged to the forgotten account and no longer works.`);
  }
};

/** Answer fields that carry a secret the server shows only once (a new API key, a session token). */
const SHOWN_ONCE = ['key', 'token'] as const;

/** Says so, next to the answer: there is no second chance to copy it. */
export const noteSecretsShownOnce = (answer: unknown, printer: Printer, savedInProfile: boolean): void => {
  const fields = SHOWN_ONCE.filter((field) => typeof (answer as Record<string, unknown> | undefined)?.[field] === 'string');
  for (const field of fields) {
    const what = field === 'key' ? 'The key' : 'The token';
    const kept = field === 'token' && savedInProfile ? ' (shopctl saved it in the profile)' : '';
    printer.note(`${what} is shown only this once${kept}: the server keeps no copy it could show again. Store it now.`);
  }
};
