/**
 * CORS for the admin API. Inside Zoho CRM the widget runs on a Zoho-hosted origin and calls the
 * connector with `Authorization: Bearer`. No cookies are involved, so a response readable from any
 * origin discloses nothing without the token: allowing every origin (without credentials) is safe.
 */
import type { RequestHandler } from 'express';

export const apiCors: RequestHandler = (req, res, next) => {
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Access-Control-Allow-Methods', 'GET, PUT, POST, DELETE, OPTIONS');
  res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type');
  res.setHeader('Access-Control-Max-Age', '600');
  if (req.method === 'OPTIONS') {
    res.status(204).end();
    return;
  }
  next();
};
