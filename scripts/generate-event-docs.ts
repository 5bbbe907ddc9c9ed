import { writeFileSync } from 'node:fs';
import { shopModules } from '../server/src/modules/index.js';
import { eventCatalogue } from '../server/src/ops/event-catalogue.js';
import { renderEventDocs } from '../server/src/ops/event-docs.js';

// `npm run docs:events`: rewrites docs/events.md from the contract.
writeFileSync(new URL('../docs/events.md', import.meta.url), renderEventDocs(eventCatalogue(shopModules)));
process.stdout.write('docs/events.md written\n');
