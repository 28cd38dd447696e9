/**
 * TimelinesAI's refusals of a panel send, in words for the rep who pressed "Send": what happened to
 * their message, and what they (or their admin) can do. Codes are stable for the widget.
 */
import { Problem } from '../errors.js';
import type { TimelinesError } from '../timelines/api/index.js';

export function repProblem(e: TimelinesError): Problem {
  switch (e.code) {
    case 'quota_exhausted':
      return new Problem(
        'conflict',
        'QUOTA_EXHAUSTED',
        "Not sent: your company's WhatsApp message allowance in TimelinesAI is used up for this month. Ask your TimelinesAI admin to top it up; your text is still here to send later.",
      );
    case 'account_disconnected':
      return new Problem(
        'conflict',
        'WHATSAPP_DISCONNECTED',
        'Not sent: the WhatsApp number your company sends from is disconnected from TimelinesAI. Ask your TimelinesAI admin to reconnect it (scan the QR code with the phone), then send again.',
      );
    case 'rate_limited': {
      const s = Math.max(1, Math.ceil((e.retryAfterMs ?? 1000) / 1000));
      return new Problem(
        'rate_limited',
        'RATE_LIMITED',
        `Not sent: too many messages are going out right now. Wait ${s} second${s === 1 ? '' : 's'} and press Send again.`,
      );
    }
    case 'auth':
      return new Problem(
        'conflict',
        'TIMELINES_TOKEN_REVOKED',
        "Not sent: TimelinesAI no longer accepts the integration's API token (it was changed or revoked). Ask your CRM admin to paste a new token in the integration settings.",
      );
    case 'permission':
      return new Problem(
        'conflict',
        'TIMELINES_PERMISSION',
        "Not sent: your company's TimelinesAI plan does not allow sending through its API. Ask your TimelinesAI admin.",
      );
    case 'not_found':
      return new Problem(
        'conflict',
        'CHAT_NOT_FOUND',
        "Not sent: this record's WhatsApp chat no longer exists in TimelinesAI. Ask your admin to check the record's chat link.",
      );
    case 'validation':
      return new Problem(
        'invalid',
        'MESSAGE_REFUSED',
        `Not sent: TimelinesAI refused the message${e.upstreamMessage ? ` ("${e.upstreamMessage}")` : ''}. Check the phone number and the file, then try again.`,
      );
    case 'temporary':
      return new Problem(
        'unavailable',
        e.outcomeUnknown ? 'MAYBE_SENT' : 'TIMELINES_UNAVAILABLE',
        e.outcomeUnknown
          ? 'TimelinesAI did not confirm the message: it may have been sent. Check the chat in TimelinesAI before sending it again.'
          : 'Not sent: TimelinesAI is not answering right now. Try again in a minute.',
      );
  }
}
