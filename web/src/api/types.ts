// JSON shapes of kefu's HTTP API (/api/v1). Ids are strings: 64-bit ids exceed what a
// JavaScript number holds exactly. Times are UTC milliseconds (`*_ms`).

export type Role = 'agent' | 'expert' | 'supervisor' | 'qa' | 'analyst' | 'admin';

export const kRoles: readonly Role[] = ['agent', 'expert', 'supervisor', 'qa', 'analyst', 'admin'];

export type Permission =
  | 'desktop.use'
  | 'broadcast.send'
  | 'users.read'
  | 'users.write'
  | 'audit.read'
  | 'tokens.manage'
  | 'pii.unmask'
  | (string & {});

export interface User {
  id: string;
  username: string;
  display_name: string;
  role: Role | (string & {});
  team_id: string | null;
  /** Shown instead of team_id when the server sends them. */
  team_name?: string | null;
  team_code?: string | null;
}

/** Body of POST /auth/login and GET /auth/me. */
export interface SessionInfo {
  user: User;
  permissions: Permission[];
  csrf_token: string;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface UserRow extends User {
  status: 'active' | 'disabled' | (string & {});
  created_ms: number;
}

export interface AuditRow {
  id: string;
  at_ms: number;
  actor_id: string | null;
  actor_name: string | null;
  action: string;
  object_type: string | null;
  object_id: string | null;
  ip: string | null;
  detail: unknown;
}

/** Body of every error response: {"error":{"code","message","field"}}. */
export interface ErrorBody {
  error: { code: string; message?: string; field?: string | null; retry_after_ms?: number };
}
