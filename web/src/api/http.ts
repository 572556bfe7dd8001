// The one place the UI talks HTTP to kefu. Adds the CSRF header to state-changing requests,
// turns every failure into an ApiError with the server's error code (or "network_error" /
// "timeout" / "bad_response" when there is no JSON error body), and reports 401s so the app
// can send the user back to the login page.

import type { ErrorBody } from './types';

export const kApiBase = '/api/v1';
const kTimeoutMs = 15000;
const kUploadTimeoutMs = 600000;

export class ApiError extends Error {
  /** HTTP status; 0 when the request never got an answer. */
  readonly status: number;
  /** Server error code (e.g. "invalid_credentials") or a client-side one (e.g. "network_error"). */
  readonly code: string;
  readonly field: string | null;
  /** Seconds from a Retry-After header, when the server sent one. */
  readonly retryAfterS: number | null;

  constructor(status: number, code: string, message: string, field: string | null = null,
              retryAfterS: number | null = null) {
    super(message || code);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field;
    this.retryAfterS = retryAfterS;
  }
}

let csrfToken: string | null = null;
let onUnauthorized: (() => void) | null = null;
let refreshSession: (() => Promise<void>) | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** REQUIRES: called once at start-up; `handler` runs on any 401 not explicitly expected. */
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

/**
 * REQUIRES: called once at start-up; `refresh` re-reads the session (GET /auth/me) and sets
 * the new CSRF token. Used when the server says csrf_failed — e.g. the user logged in again in
 * another tab, which replaced the session and its token.
 */
export function setSessionRefresher(refresh: () => Promise<void>): void {
  refreshSession = refresh;
}

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | null | undefined>;
  /** A 401 is an expected answer (login, the start-up session probe): do not redirect. */
  expect401?: boolean;
  /** A file's bytes sent as application/octet-stream instead of a JSON body. */
  upload?: Blob;
  /** Internal: this is already the retry after refreshing the CSRF token. */
  isRetry?: boolean;
}

function buildUrl(path: string, query?: RequestOptions['query']): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== null && value !== undefined && value !== '') params.set(key, String(value));
  }
  const qs = params.toString();
  return kApiBase + path + (qs ? `?${qs}` : '');
}

function parseRetryAfter(value: string | null): number | null {
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.round((at - Date.now()) / 1000));
}

export async function request<T>(method: string, path: string,
                                 options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (options.upload !== undefined) headers['Content-Type'] = 'application/octet-stream';
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;

  const controller = new AbortController();
  // A big file over a slow link takes longer than a question.
  const timer = setTimeout(() => controller.abort(), options.upload ? kUploadTimeoutMs : kTimeoutMs);
  let response: Response;
  try {
    response = await fetch(buildUrl(path, options.query), {
      method,
      headers,
      body: options.upload ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
      credentials: 'same-origin',
      cache: 'no-store',
      signal: controller.signal,
    });
  } catch (e) {
    const timedOut = e instanceof DOMException && e.name === 'AbortError';
    throw new ApiError(0, timedOut ? 'timeout' : 'network_error', String(e));
  } finally {
    clearTimeout(timer);
  }

  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let json: unknown = undefined;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }

  if (!response.ok) {
    const err = (json as ErrorBody | undefined)?.error;
    const retryAfterMs = err?.retry_after_ms;
    const apiError = new ApiError(
      response.status,
      err?.code ?? `http_${response.status}`,
      err?.message ?? response.statusText,
      err?.field || null,
      typeof retryAfterMs === 'number' ? Math.ceil(retryAfterMs / 1000)
                                       : parseRetryAfter(response.headers.get('Retry-After')),
    );
    if (response.status === 401 && !options.expect401 && onUnauthorized) onUnauthorized();
    if (apiError.code === 'csrf_failed' && !options.isRetry && refreshSession) {
      await refreshSession();
      return request<T>(method, path, { ...options, isRetry: true });
    }
    throw apiError;
  }
  if (json === undefined) {
    throw new ApiError(response.status, 'bad_response', 'response is not JSON');
  }
  return json as T;
}
