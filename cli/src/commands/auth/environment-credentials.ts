import { ENV_VARIABLES, present } from '../../config/connection.js';
import type { Printer } from '../../output/printer.js';

/** Saved credentials lose to SHOPCTL_TOKEN and SHOPCTL_API_KEY; say so, or a login seems not to work. */
const environmentCredentialNote = (env: NodeJS.ProcessEnv): string | undefined => {
  const set = [ENV_VARIABLES.token, ENV_VARIABLES.apiKey].filter((name) => present(env[name]) !== undefined);
  return set.length > 0 ? `Note: ${set.join(' and ')} ${set.length > 1 ? 'are' : 'is'} set and takes precedence over the profile; unset it to use the saved credentials.` : undefined;
};

/** Prints that note, when there is one, after a command changed the profile's credentials. */
export const noteEnvironmentCredentials = (printer: Printer, env: NodeJS.ProcessEnv): void => {
  const note = environmentCredentialNote(env);
  if (note) printer.note(note);
};
