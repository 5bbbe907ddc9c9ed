// `node --import ./module-watch.mjs`: appends every resolved module URL that contains
// EVENTSHOP_TEST_MODULE_MATCH to the file EVENTSHOP_TEST_MODULE_LOG, to prove what a process never loads.
import { register } from 'node:module';

register('./module-watch-hooks.mjs', import.meta.url, {
  data: { log: process.env.EVENTSHOP_TEST_MODULE_LOG, match: process.env.EVENTSHOP_TEST_MODULE_MATCH },
});
