/**
 * One sync run of a batch of one workspace's messages: the steps in order, each committing its
 * progress before the next reaches Zoho. A Zoho failure of a whole call stops the run (the runner
 * applies the retry policy to what is left, see workspaceRun.ts).
 */
import type { ZohoError } from '../../zoho/errors.js';
import type { IndexJob } from '../phoneIndex/build.js';
import type { RunContext } from './context.js';
import { linkRecords } from './linkRecords.js';
import { notes } from './notes.js';
import { outcome } from './outcome.js';
import { renames } from './renames.js';
import { uploads } from './uploads.js';

export async function syncBatch(ctx: RunContext, index: IndexJob): Promise<void> {
  await linkRecords(ctx, index);
  await renames(ctx);
  await notes(ctx);
  await uploads(ctx);
  await outcome(ctx);
}

/**
 * A failure that may come from metadata the connector holds but Zoho no longer has (a field deleted,
 * encrypted or renamed since it was read): worth one retry with fresh metadata before the policy.
 */
export function isStaleMetadata(e: ZohoError): boolean {
  if (e.code === 'validation')
    return e.zohoCode === 'INVALID_QUERY' || (e.zohoCode === 'INVALID_DATA' && !!e.field);
  return e.code === 'not_found' && !!e.field;
}
