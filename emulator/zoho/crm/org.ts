/** `GET /org`: the organization in Zoho's shape (time zone, country, currency, licence). */
import { Router } from 'express';
import type { OrgState } from '../model/orgState.js';
import { dt } from '../records/values.js';
import { sendJson } from '../http/errors.js';
import { MAX_PER_PAGE, byMethod, need, type Ctx } from './context.js';

function orgJson(org: OrgState): Record<string, unknown> {
  const o = org.org;
  return {
    country: o.country,
    photo_id: null,
    city: null,
    description: null,
    mc_status: false,
    gapps_enabled: false,
    domain_name: `org${o.id}`,
    translation_enabled: false,
    street: null,
    alias: null,
    currency: o.currency,
    id: o.id,
    state: null,
    fax: null,
    employee_count: null,
    zip: null,
    website: null,
    currency_symbol: o.currencySymbol,
    mobile: null,
    currency_locale: 'en_US',
    primary_zuid: o.primaryZuid,
    zia_portal_id: null,
    time_zone: o.timeZone,
    zgid: o.id,
    country_code: o.countryCode,
    license_details: {
      paid_expiry: null,
      users_license_purchased: Math.max(10, org.users.size),
      trial_type: null,
      trial_expiry: null,
      paid: o.edition.toLowerCase() !== 'free',
      paid_type: o.edition.toLowerCase(),
    },
    phone: null,
    company_name: o.companyName,
    privacy_settings: false,
    primary_email: o.primaryEmail,
    hipaa_compliance_enabled: false,
    iso_code: o.currency,
    max_per_page: MAX_PER_PAGE,
    type: 'production',
    lite_users_enabled: false,
    created_time: dt(org, o.createdAt),
  };
}

function getOrg(ctx: Ctx): void {
  need(ctx, 'org', undefined, 'READ');
  sendJson(ctx.res, 200, { org: [orgJson(ctx.org)] });
}

export function orgRouter(): Router {
  const r = Router();
  r.all('/org', byMethod({ GET: getOrg }));
  return r;
}
