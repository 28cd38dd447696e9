/** `GET /users` (by type, paged) and `GET /users/{id}`, in Zoho's user shape. */
import { Router } from 'express';
import type { OrgState } from '../model/orgState.js';
import { userFullName } from '../model/orgState.js';
import type { UserRec } from '../model/types.js';
import { dt } from '../records/values.js';
import { ApiError, Errors, q, sendJson, sendNoContent } from '../http/errors.js';
import {
  handle,
  idParam,
  invalidUrl,
  methodNotAllowed,
  need,
  pageOf,
  paging,
  param,
  type Ctx,
} from './context.js';

function userJson(org: OrgState, u: UserRec): Record<string, unknown> {
  return {
    country: org.org.countryCode,
    language: 'en_US',
    microsoft: false,
    $shift_effective_from: null,
    id: u.id,
    state: null,
    fax: null,
    country_locale: 'en_US',
    sandboxDeveloper: false,
    zip: null,
    decimal_separator: 'Period',
    created_time: dt(org, u.createdAt),
    time_format: 'HH:mm',
    offset: 0,
    profile: { name: u.profile.name, id: u.profile.id },
    created_by: null,
    zuid: u.zuid,
    full_name: userFullName(u),
    phone: null,
    dob: null,
    sort_order_preference__s: 'First Name,Last Name',
    status: u.status === 'disabled' ? 'disabled' : u.status,
    role: { name: u.role.name, id: u.role.id },
    customize_info: {
      notes_desc: null,
      show_right_panel: null,
      bc_view: null,
      show_home: false,
      show_detail_view: true,
      unpin_recent_item: null,
    },
    city: null,
    signature: null,
    locale: 'en_US',
    personal_account: false,
    Isonline: false,
    default_tab_group: '0',
    Modified_By: null,
    street: null,
    Currency: org.org.currency,
    alias: null,
    theme: null,
    first_name: u.firstName || null,
    email: u.email,
    status_reason__s: null,
    website: null,
    Modified_Time: dt(org, u.createdAt),
    mobile: null,
    last_name: u.lastName,
    time_zone: org.org.timeZone,
    number_separator: 'Comma',
    confirm: true,
    date_format: 'dd/MM/yyyy',
    category: 'regular_user',
    name_format__s: 'Salutation,First Name,Last Name',
    Created_Time: dt(org, u.createdAt),
    Created_By: null,
  };
}

function getUsers(ctx: Ctx): void {
  need(ctx, 'users', undefined, 'READ');
  const type = q(ctx.req, 'type') ?? 'AllUsers';
  const { page, perPage } = paging(ctx.req);
  const all = [...ctx.org.users.values()];
  const isAdmin = (u: UserRec) => ctx.org.isAdmin(u);
  const filters: Record<string, (u: UserRec) => boolean> = {
    AllUsers: (u) => u.status !== 'deleted',
    ActiveUsers: (u) => u.status === 'active',
    DeactiveUsers: (u) => u.status === 'disabled',
    ConfirmedUsers: (u) => u.status !== 'deleted',
    NotConfirmedUsers: () => false,
    DeletedUsers: (u) => u.status === 'deleted',
    ActiveConfirmedUsers: (u) => u.status === 'active',
    AdminUsers: (u) => isAdmin(u) && u.status !== 'deleted',
    ActiveConfirmedAdmins: (u) => isAdmin(u) && u.status === 'active',
    CurrentUser: (u) => u.id === ctx.user.id,
  };
  const filter = filters[type];
  if (!filter) throw Errors.invalidParam('type');
  const users = all.filter(filter);
  const { slice, more } = pageOf(users, page, perPage);
  if (slice.length === 0) return sendNoContent(ctx.res);
  sendJson(ctx.res, 200, {
    users: slice.map((u) => userJson(ctx.org, u)),
    info: { per_page: perPage, count: slice.length, page, more_records: more },
  });
}

function getUser(ctx: Ctx, id: string): void {
  need(ctx, 'users', undefined, 'READ');
  const u = ctx.org.users.get(id);
  if (!u)
    throw new ApiError(400, 'INVALID_DATA', 'the id given seems to be invalid', { resource_path_index: 1 });
  sendJson(ctx.res, 200, { users: [userJson(ctx.org, u)] });
}

export function usersRouter(): Router {
  const r = Router();
  // Every /users path answers 405 to anything but GET, even one that does not exist.
  r.all(['/users', '/users/*rest'], (req, _res, next) =>
    req.method === 'GET' ? next() : methodNotAllowed(),
  );
  r.get('/users', handle(getUsers));
  r.get(
    '/users/:id',
    idParam('id'),
    handle((ctx) => getUser(ctx, param(ctx, 'id'))),
  );
  r.all('/users/*rest', invalidUrl);
  return r;
}
