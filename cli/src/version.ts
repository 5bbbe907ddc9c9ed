// Imported, not read at run time: the bundler inlines it, so the same code works from src/, from
// dist/ and from the launcher's build cache, which sit at different distances from package.json.
import packageJson from '../package.json' with { type: 'json' };

export const CLI_VERSION: string = packageJson.version;
