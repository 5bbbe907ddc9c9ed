import { Command } from 'commander';
import { updateProfile, withCredential } from '../../config/config-file.js';
import type { CliContext } from '../../context.js';
import { globalOptionsOf } from '../../global-options.js';
import { createPrinter } from '../../output/printer.js';
import { loadSession } from '../../session.js';
import { noteEnvironmentCredentials } from './environment-credentials.js';

/** `shopctl logout`: forgets the profile's token or API key; the URL stays. */
export const logoutCommand = (context: CliContext): Command =>
  new Command('logout')
    .summary("Forget the profile's saved token or API key")
    .description('Removes the token (or API key) saved in the profile. The server URL stays, so `shopctl login` signs in to the same server.')
    .action(async (_options: unknown, command: Command) => {
      const globals = globalOptionsOf(command);
      const printer = createPrinter(context.io, context.env, globals);
      const { configPath, config, connection } = await loadSession(context, globals, { mustExist: false });
      const before = config.profiles[connection.profileName];
      const hadCredential = before?.token !== undefined || before?.apiKey !== undefined;
      if (hadCredential) {
        await updateProfile(configPath, connection.profileName, (profile) => withCredential(profile, undefined));
      }
      printer.result({ profile: connection.profileName, loggedOut: hadCredential }, () =>
        hadCredential
          ? `Logged out: removed the saved credentials from profile "${connection.profileName}".`
          : `Profile "${connection.profileName}" had no saved credentials.`,
      );
      noteEnvironmentCredentials(printer, context.env);
    });
