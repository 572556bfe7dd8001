// The signed-in user, their permissions and the CSRF token, shared by the whole UI.
// The session itself lives in the HttpOnly `kefu_session` cookie; this is what the server
// told us about it. `ensureLoaded()` asks the server once per page load.

import { computed, reactive, readonly } from 'vue';
import * as api from '../api';
import { ApiError, setCsrfToken, setSessionRefresher } from '../api/http';
import type { Permission, SessionInfo, User } from '../api/types';

interface SessionState {
  loaded: boolean;
  user: User | null;
  permissions: Permission[];
}

const state = reactive<SessionState>({ loaded: false, user: null, permissions: [] });
let loading: Promise<void> | null = null;

export const session = readonly(state);
export const isAuthenticated = computed(() => state.user !== null);

export function hasPermission(permission: Permission): boolean {
  return state.permissions.includes(permission);
}

function apply(info: SessionInfo | null): void {
  state.user = info?.user ?? null;
  state.permissions = info?.permissions ?? [];
  setCsrfToken(info?.csrf_token ?? null);
  state.loaded = true;
}

/** Resolves once we know whether a session exists; a network failure counts as signed out. */
export function ensureLoaded(): Promise<void> {
  if (state.loaded) return Promise.resolve();
  if (!loading) {
    loading = api
      .fetchMe()
      .then(apply)
      .catch((e: unknown) => {
        if (!(e instanceof ApiError) || e.status !== 401) console.warn('kefu: /auth/me failed', e);
        apply(null);
      })
      .finally(() => {
        loading = null;
      });
  }
  return loading;
}

/** Throws ApiError with the server's code (invalid_credentials, account_locked, …). */
export async function signIn(username: string, password: string): Promise<void> {
  apply(await api.login(username, password));
}

export async function signOut(): Promise<void> {
  try {
    if (state.user) await api.logout();
  } catch (e) {
    // The local session ends whatever the server says; the cookie expires on its own.
    console.warn('kefu: logout failed', e);
  } finally {
    apply(null);
  }
}

setSessionRefresher(async () => {
  apply(await api.checkSession());
});

/** The server said 401: the session ended (idle timeout, logout elsewhere). */
export function dropSession(): void {
  apply(null);
}
