/** Orgs and users as the emulator's public API describes them to tests and the sandbox. */
import type { SeededOrg, SeededUser, UserRec } from './types.js';
import { userFullName, type OrgState } from './orgState.js';

export function describeUser(org: OrgState, u: UserRec): SeededUser {
  return {
    id: u.id,
    zuid: u.zuid,
    email: u.email,
    fullName: userFullName(u),
    profile: u.profile.name,
    isAdmin: org.isAdmin(u),
    status: u.status,
  };
}

export function describeOrg(org: OrgState): SeededOrg {
  const users = [...org.users.values()].map((u) => describeUser(org, u));
  const admin = users.find((u) => u.isAdmin);
  if (!admin) throw new Error('emulator: org without admin');
  return {
    orgId: org.org.id,
    companyName: org.org.companyName,
    timeZone: org.org.timeZone,
    countryCode: org.org.countryCode,
    admin,
    rep: users.find((u) => !u.isAdmin),
    users,
    modules: [...org.modules.values()].map((m) => m.def.apiName),
  };
}
