// Typed calls of kefu's API, one function per route the UI uses.

import { request } from './http';
import type { AuditRow, Page, SessionInfo, UserRow } from './types';

export const kPageSize = 50;

export function login(username: string, password: string): Promise<SessionInfo> {
  return request<SessionInfo>('POST', '/auth/login', {
    body: { username, password },
    expect401: true,
  });
}

export function fetchMe(): Promise<SessionInfo> {
  return request<SessionInfo>('GET', '/auth/me', { expect401: true });
}

/** Like fetchMe, but a 401 ends the app's session (goes back to the login page). */
export function checkSession(): Promise<SessionInfo> {
  return request<SessionInfo>('GET', '/auth/me');
}

export function logout(): Promise<void> {
  return request<void>('POST', '/auth/logout', { expect401: true });
}

export function listUsers(cursor: string | null): Promise<Page<UserRow>> {
  return request<Page<UserRow>>('GET', '/users', { query: { limit: kPageSize, cursor } });
}

export interface AuditFilter {
  actor?: string;
  action?: string;
}

export function listAudit(filter: AuditFilter, cursor: string | null): Promise<Page<AuditRow>> {
  return request<Page<AuditRow>>('GET', '/audit', {
    query: { limit: kPageSize, cursor, actor: filter.actor, action: filter.action },
  });
}

/** `reached`: how many connected desktops received it, when the server says. */
export function sendBroadcast(topic: string, text: string):
    Promise<{ id: string; reached?: number }> {
  return request<{ id: string; reached?: number }>('POST', '/broadcasts', { body: { topic, text } });
}
