/**
 * The TimelinesAI public API client. Facts it relies on (sources in docs/timelines-api.md):
 *
 * - Base https://app.timelines.ai/integrations/api; `Authorization: Bearer <token>`, the token a
 *   workspace admin copies from Integrations → Public API. Regenerating it disables the old one.
 * - Answers `{"status":"ok","data":…}`; errors `{"status":"error","message":"…"}` with 401
 *   "Invalid or expired token", 403 "Access denied", 404; 429 from the per-IP limit (30 req/s,
 *   10 queued). Quota and disconnected-account errors: status and wording undocumented.
 * - Lists page with `page` (1-based) and `data.has_more_pages`; page size and order undocumented.
 *   `GET /chats` filters: label, whatsapp_account_id, group, responsible, name, read, closed,
 *   created_after, created_before. `GET /chats/{id}/messages`: from_me, after, before (inclusive),
 *   after_message.
 * - Sends (`POST /chats/{chat_id}/messages`, `POST /messages` with `phone`) answer
 *   `data.message_uid` at once ("accepted for async sending"); TimelinesAI sends about 2 s apart,
 *   1 credit per message, 2 with text and a file; the echo comes as `message:sent:new`.
 * - `POST /files_upload` (multipart `file`, `filename`, `content_type`) answers the file's `uid`.
 * - `GET/POST /webhooks`, `GET/PUT/DELETE /webhooks/{id}`: `event_type`, `url`, `enabled`,
 *   `errors_counter`; at most 10 per workspace; receivers must answer 2xx within 5 s.
 * - Every call counts against the workspace's monthly "API calls" limit; webhooks do not.
 */
export { TimelinesClient, DEFAULT_TIMELINES_API_URL } from './client.js';
export type {
  TimelinesClientOptions,
  Page,
  ChatFilters,
  MessageFilters,
  SendInput,
  UploadInput,
} from './client.js';
export { TimelinesError, isTimelinesError, type TimelinesErrorCode } from './errors.js';
export { TimelinesPacing, sharedPacing, type PacingOptions } from './pacing.js';
export type {
  TimelinesAccount,
  TimelinesChat,
  TimelinesFile,
  TimelinesMessage,
  TimelinesQuota,
  TimelinesWebhook,
} from './wire.js';
