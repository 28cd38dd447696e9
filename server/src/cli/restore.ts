/**
 * `npm run restore -- --from <backup folder> [--force]`: puts a backup (npm run backup) in place of
 * the embedded store at DATA_FILE (default data/db.json). The connector must be stopped; an existing
 * store is only replaced with --force.
 */
import { parseArgs } from 'node:util';
import { restoreDocumentStore } from '../store/document/backup.js';

const { values } = parseArgs({
  options: {
    from: { type: 'string' },
    data: { type: 'string', default: process.env.DATA_FILE || 'data/db.json' },
    force: { type: 'boolean', default: false },
  },
});
if (!values.from) {
  console.error('Say which backup to restore: npm run restore -- --from backups/<folder>');
  process.exit(1);
}
try {
  restoreDocumentStore(values.from, values.data!, { force: values.force });
  console.log(`Restored ${values.from} to ${values.data}. Start the connector: it syncs on from there.`);
} catch (e) {
  console.error(`Restore failed: ${(e as Error).message}`);
  process.exit(1);
}
