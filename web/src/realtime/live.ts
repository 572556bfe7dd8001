// The signed-in desktop's live feed: one RealtimeClient for the whole app (started by the
// shell for users with desktop.use, stopped at logout), and the announcements it received,
// kept here so they survive moving between pages.

import { reactive, ref } from 'vue';
import { checkSession } from '../api';
import { ApiError } from '../api/http';
import type { User } from '../api/types';
import { RealtimeClient, type ConnectionStatus, type RealtimeEvent } from './client';

export interface Announcement {
  key: string;
  topic: string;
  text: string;
  from: string;
  at_ms: number;
}

const kMaxAnnouncements = 100;

export const announcements = reactive<Announcement[]>([]);
export const liveStatus = ref<ConnectionStatus>('stopped');

let client: RealtimeClient | null = null;

function topicsFor(user: User): string[] {
  const topics = ['all', `user.${user.id}`];
  if (user.team_id) topics.push(`team.${user.team_id}`);
  return topics;
}

function onEvent(ev: RealtimeEvent): void {
  if (ev.event !== 'broadcast') return;
  const data = (ev.data ?? {}) as { id?: unknown; text?: unknown; from?: unknown; at_ms?: unknown };
  // One announcement sent to several of our topics (all + team) is shown once.
  const key = typeof data.id === 'string' ? data.id : `${ev.topic}:${ev.seq}`;
  if (announcements.some((a) => a.key === key)) return;
  announcements.unshift({
    key,
    topic: ev.topic,
    text: String(data.text ?? ''),
    from: String(data.from ?? ''),
    at_ms: typeof data.at_ms === 'number' ? data.at_ms : Date.now(),
  });
  if (announcements.length > kMaxAnnouncements) announcements.length = kMaxAnnouncements;
}

async function sessionStillValid(): Promise<boolean> {
  try {
    await checkSession();
    return true;
  } catch (e) {
    // A 401 means signed out (the app's 401 handler has already gone to the login page);
    // anything else — the server restarting, the network — is worth another try.
    return !(e instanceof ApiError && e.status === 401);
  }
}

export function startLive(user: User): void {
  stopLive();
  client = new RealtimeClient({
    topics: topicsFor(user),
    onEvent,
    checkSession: sessionStillValid,
    status: liveStatus,
  });
  client.start();
}

export function stopLive(): void {
  client?.stop();
  client = null;
  liveStatus.value = 'stopped';
  announcements.length = 0;
}
