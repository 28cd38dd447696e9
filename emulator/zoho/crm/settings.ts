/** `/settings/...`: modules, fields and related lists; any other settings path is unknown. */
import { Router } from 'express';
import { byMethod, invalidUrl, param } from './context.js';
import { fieldsRouter } from './fields.js';
import { getModules, getRelatedLists } from './modules.js';

/** Mounted at /settings. The paths below it are case-sensitive, as Zoho's are. */
export function settingsRouter(): Router {
  const r = Router({ caseSensitive: true });
  r.all('/modules', byMethod({ GET: (ctx) => getModules(ctx, undefined) }));
  r.all('/modules/:apiName', byMethod({ GET: (ctx) => getModules(ctx, param(ctx, 'apiName')) }));
  r.use('/fields', fieldsRouter());
  r.all('/related_lists', byMethod({ GET: getRelatedLists }));
  r.use(invalidUrl);
  return r;
}
