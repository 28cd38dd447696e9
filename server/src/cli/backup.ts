/**
 * `npm run backup -- [--out <folder>]`: a consistent backup of the embedded store while the connector
 * runs (server/src/store/document/backup.ts says why it is consistent). DATA_FILE as the connector
 * has it (default data/db.json); the folder defaults to backups/<date-time>. PostgreSQL: use
 * pg_dump / pg_basebackup (docs/deploy.md). Compiled into dist/ with the server, so the production image
 * runs it with plain node: `node dist/server/src/cli/backup.js --out /data/backups/<name>`.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { backupDocumentStore } from '../store/document/backup.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: process.env.DATA_FILE || 'data/db.json' },
    out: { type: 'string' },
  },
});
if (process.env.DATABASE_URL) {
  console.error('DATABASE_URL is set: back PostgreSQL up with pg_dump or pg_basebackup (docs/deploy.md).');
  process.exit(1);
}
const out = values.out ?? path.join('backups', new Date().toISOString().replace(/[:.]/g, '-'));
try {
  const s = await backupDocumentStore(values.data!, out);
  console.log(
    `Backed up ${values.data} to ${s.folder}: ${s.workspaces} workspace(s), ${s.queued} queued message(s), ${s.messageIds} message id(s), ${s.attachments} attachment(s) in transit.`,
  );
} catch (e) {
  console.error(`Backup failed: ${(e as Error).message}`);
  process.exit(1);
}
