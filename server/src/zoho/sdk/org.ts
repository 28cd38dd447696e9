/** The org and its users through the SDK. */
import * as Z from '@zohocrm/typescript-sdk-8.0';
import { ZohoError } from '../errors.js';
import type { ZohoOrg, ZohoUser } from '../gateway.js';
import { allPages, type SdkClient } from './client.js';
import { toUser } from './convert.js';
import { isObj, objectsOf, optStr, str } from './json.js';

const USERS_PER_PAGE = 200;
const USERS_MAX_PAGES = 50;

/** See ZohoGateway.currentUser. */
export async function currentUser(client: SdkClient): Promise<ZohoUser> {
  const pm = new Z.ParameterMap();
  await pm.add(Z.Users.GetUsersParam.TYPE, 'CurrentUser');
  const a = await client.exec('current user', () => new Z.Users.UsersOperations().getUsers(pm));
  const u = objectsOf(a.json, 'users')[0];
  if (!u)
    throw new ZohoError('current user: Zoho answered no user', { code: 'not_found', zohoCode: 'NO_USER' });
  return toUser(u);
}

/** See ZohoGateway.activeUsers. */
export async function activeUsers(client: SdkClient): Promise<ZohoUser[]> {
  const users = await allPages(USERS_MAX_PAGES, 'users', async (page) => {
    const pm = new Z.ParameterMap();
    await pm.add(Z.Users.GetUsersParam.TYPE, 'ActiveUsers');
    await pm.add(Z.Users.GetUsersParam.PAGE, page);
    await pm.add(Z.Users.GetUsersParam.PER_PAGE, USERS_PER_PAGE);
    return client.exec('active users', () => new Z.Users.UsersOperations().getUsers(pm));
  });
  return users.map(toUser).filter((u) => u.active);
}

/** See ZohoGateway.org. */
export async function org(client: SdkClient): Promise<ZohoOrg> {
  const a = await client.exec('organization', () => new Z.Org.OrgOperations().getOrganization());
  const o = objectsOf(a.json, 'org')[0];
  if (!o)
    throw new ZohoError('organization: Zoho answered no org', { code: 'not_found', zohoCode: 'NO_ORG' });
  const license = isObj(o.license_details) ? o.license_details : {};
  return {
    id: str(o.id),
    companyName: str(o.company_name),
    timeZone: str(o.time_zone),
    countryCode: optStr(o.country_code)?.toUpperCase(),
    edition: optStr(license.paid_type) ?? optStr(o.edition),
  };
}
