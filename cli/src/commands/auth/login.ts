import { operations } from '@eventshop/sdk/contract';
import { ForbiddenError, ShopApiError, UnauthorizedError } from '@eventshop/sdk';
import { Command } from 'commander';
import { updateProfile, withCredential } from '../../config/config-file.js';
import type { Connection } from '../../config/connection.js';
import { maskSecret } from '../../config/mask-secret.js';
import { readAll, type CliContext } from '../../context.js';
import { attemptOf, OperationFailedError, UsageError } from '../../errors/cli-errors.js';
import { globalOptionsOf } from '../../global-options.js';
import type { Colors } from '../../output/colors.js';
import { formatInstant } from '../../output/format-time.js';
import { createPrinter, type Printer } from '../../output/printer.js';
import { askForFields, canPrompt } from '../../prompts/field-prompts.js';
import { inputFieldsOf } from '../../schema/input-fields.js';
import { clientFor, loadSession } from '../../session.js';
import { usageHintFor, type UsageHint } from '../command-usage.js';
import { noteEnvironmentCredentials } from './environment-credentials.js';

/** The operation this command performs; the generated `shopctl auth login` gives way to it. */
export const LOGIN_OPERATION = 'auth.login';

type LoginOptions = { email?: string; password?: string; passwordStdin?: boolean };

/**
 * `shopctl login`: signs in through `auth.login` and keeps the token in the profile, or, with
 * `--api-key`, keeps that key instead. Hand-written because a generated command would print the
 * token and forget it.
 */
export const loginCommand = (context: CliContext): Command =>
  new Command('login')
    .summary('Sign in and save the token in your profile (or save an API key)')
    .description(
      'Signs in with your email and password and saves the token, its expiry and your email in the profile.\n' +
        'With --api-key <key>, saves that key in the profile instead (for partner and service accounts).\n' +
        'Missing values are prompted for at a terminal; scripts pass --email and --password-stdin.',
    )
    .option('--email <email>', 'Your email address')
    .option('--password <password>', 'Your password (visible in shell history; prefer the prompt or --password-stdin)')
    .option('--password-stdin', 'Read the password from stdin')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  shopctl login',
        '  shopctl login --url http://localhost:3000 --email admin@eventshop.local',
        '  printf %s "$SHOP_PASSWORD" | shopctl login --email admin@eventshop.local --password-stdin',
        '  shopctl login --profile partner --api-key "$SHOP_API_KEY"',
      ].join('\n'),
    )
    .action(async (options: LoginOptions, command: Command) => {
      const globals = globalOptionsOf(command);
      const printer = createPrinter(context.io, context.env, globals);
      const { configPath, connection } = await loadSession(context, globals, { mustExist: false });
      if (globals.apiKey !== undefined) {
        if (options.email || options.password || options.passwordStdin) {
          throw new UsageError('Use --api-key on its own, or --email with a password; not both.', usageHintFor(command));
        }
        await saveApiKey(context, printer, { configPath, connection, hint: usageHintFor(command), apiKey: globals.apiKey });
        return;
      }
      const promptColors = canPrompt(context.io, globals) && !options.passwordStdin ? printer.noteColors : undefined;
      const credentials = await gatherCredentials(context, command, options, promptColors);
      await signIn(context, printer, { configPath, connection, hint: usageHintFor(command), ...credentials });
    });

/** `promptColors` is given when prompting is allowed. */
const gatherCredentials = async (context: CliContext, command: Command, options: LoginOptions, promptColors: Colors | undefined) => {
  if (options.password !== undefined && options.passwordStdin) throw new UsageError('Use --password or --password-stdin, not both.', usageHintFor(command));
  // Strip the one newline `echo` adds; a password may legitimately end in spaces.
  const password = options.passwordStdin ? (await readAll(context.io.stdin)).replace(/\r?\n$/, '') : options.password;
  const values: Record<string, string | undefined> = { email: options.email, password };
  const missing = inputFieldsOf(operations[LOGIN_OPERATION]).filter((field) => !values[field.path[0]!]);
  if (missing.length > 0) {
    if (!promptColors) {
      const flags = missing.map((field) => (field.path[0] === 'password' ? '--password (or --password-stdin)' : `--${field.name}`));
      throw new UsageError(`Missing required flag(s): ${flags.join(', ')}`, usageHintFor(command));
    }
    for (const [field, answer] of await askForFields(missing, context.io, promptColors)) values[field.path[0]!] = String(answer);
  }
  return { email: values.email!, password: values.password! };
};

type SignIn = { configPath: string; connection: Connection; hint: UsageHint; email: string; password: string };

const signIn = async (context: CliContext, printer: Printer, { configPath, connection, hint, email, password }: SignIn) => {
  const definition = operations[LOGIN_OPERATION];
  // Sign-in is public, so no saved credential (perhaps a stale one) goes with it.
  const client = clientFor(connection, definition);
  let session;
  try {
    session = await client.call(LOGIN_OPERATION, { email, password });
  } catch (error) {
    if (!(error instanceof ShopApiError)) throw error;
    throw new OperationFailedError(error, attemptOf(definition, { input: { email }, fields: inputFieldsOf(definition), hint, url: connection.url }));
  } finally {
    await client.close();
  }
  await updateProfile(configPath, connection.profileName, (profile) => ({
    ...withCredential(profile, { token: session.token, expiresAt: session.expiresAt, email: session.user.email }),
    url: connection.url,
  }));
  const { user } = session;
  printer.result({ profile: connection.profileName, url: connection.url, user, expiresAt: session.expiresAt }, () =>
    [
      `Logged in to ${connection.url} as ${user.name} <${user.email}> (roles: ${user.roles.join(', ') || 'none'}).`,
      `Saved the token in profile "${connection.profileName}"; it expires ${formatInstant(session.expiresAt, context.now())}.`,
    ].join('\n'),
  );
  noteEnvironmentCredentials(printer, context.env);
};

/** An operation every valid credential passes authentication for; a key gets 403 from it (no account), never 401. */
const KEY_CHECK_OPERATION = 'users.profile';

const saveApiKey = async (context: CliContext, printer: Printer, { configPath, connection, hint, apiKey }: SaveApiKey) => {
  await checkApiKey(connection, apiKey, hint);
  await updateProfile(configPath, connection.profileName, (profile) => ({ ...withCredential(profile, { apiKey }), url: connection.url }));
  printer.result({ profile: connection.profileName, url: connection.url, apiKey: maskSecret(apiKey) }, () =>
    `Saved API key ${maskSecret(apiKey)} in profile "${connection.profileName}" for ${connection.url}.`,
  );
  noteEnvironmentCredentials(printer, context.env);
};

type SaveApiKey = { configPath: string; connection: Connection; hint: UsageHint; apiKey: string };

/**
 * Asks the server whether it knows the key before saving it, so a mistyped or revoked key is
 * refused now, by login, rather than by every later command. Only a 401 means the key is refused:
 * a service key is not an account, so the check answers 403 for a good one.
 */
const checkApiKey = async (connection: Connection, apiKey: string, hint: UsageHint) => {
  const definition = operations[KEY_CHECK_OPERATION];
  const client = clientFor({ ...connection, credential: { kind: 'apiKey', value: apiKey, source: 'flag' } }, definition);
  try {
    await client.call(KEY_CHECK_OPERATION, {});
  } catch (error) {
    if (!(error instanceof ShopApiError)) throw error;
    if (error instanceof UnauthorizedError || !(error instanceof ForbiddenError)) {
      throw new OperationFailedError(error, attemptOf(operations[LOGIN_OPERATION], { input: {}, fields: [], hint, url: connection.url }));
    }
  } finally {
    await client.close();
  }
};
