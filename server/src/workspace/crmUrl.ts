/**
 * The org's CRM web address, for links from the settings page into the CRM (a record is
 * `${crmUrl}/tab/<Module>/<id>`). Zoho serves each data centre's CRM from its own host; the
 * connection's API host tells which data centre the org lives in.
 */
import type { Workspace } from '../store/schema.js';

/** API host (`www.zohoapis.<suffix>`) → CRM web host, per data centre. */
const CRM_HOST_OF_API_HOST: Readonly<Record<string, string>> = {
  'www.zohoapis.com': 'crm.zoho.com',
  'www.zohoapis.eu': 'crm.zoho.eu',
  'www.zohoapis.in': 'crm.zoho.in',
  'www.zohoapis.com.au': 'crm.zoho.com.au',
  'www.zohoapis.jp': 'crm.zoho.jp',
  'www.zohoapis.com.cn': 'crm.zoho.com.cn',
  // Canada's Zoho hosts live under zohocloud.ca (accounts.zohocloud.ca), its API under zohoapis.ca.
  'www.zohoapis.ca': 'crm.zohocloud.ca',
  'www.zohoapis.sa': 'crm.zoho.sa',
  'www.zohoapis.uk': 'crm.zoho.uk',
  'www.zohoapis.ae': 'crm.zoho.ae',
};

/**
 * `https://crm.zoho.<dc>/crm/org<orgId>` for a connection to one of Zoho's data centres; null for
 * anything else (an emulator, a test host), where the caller may know better (the sandbox).
 */
export function zohoCrmUrl(ws: Pick<Workspace, 'orgId' | 'connection'>): string | null {
  let host: string;
  try {
    const url = new URL(ws.connection.apiUrl);
    if (url.protocol !== 'https:') return null;
    host = url.hostname.toLowerCase();
  } catch {
    return null;
  }
  const crmHost = CRM_HOST_OF_API_HOST[host];
  if (!crmHost || !/^[0-9A-Za-z_-]+$/.test(ws.orgId)) return null;
  return `https://${crmHost}/crm/org${ws.orgId}`;
}
