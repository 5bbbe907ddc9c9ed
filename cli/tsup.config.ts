// `npm run build` here (and `npm pack`, through `prepack`) builds this package alone; the root config says how.
import { cli } from '../tsup.config.js';

export default cli;
