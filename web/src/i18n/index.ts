// vue-i18n set-up: simplified Chinese by default, traditional Chinese and English. The
// choice is kept in localStorage; a first visit from a zh-TW / zh-HK / zh-Hant browser starts
// in traditional Chinese. Also provides the Element Plus locale and the date formatter.

import { computed } from 'vue';
import { createI18n } from 'vue-i18n';
import elZhCn from 'element-plus/es/locale/lang/zh-cn.mjs';
import elZhTw from 'element-plus/es/locale/lang/zh-tw.mjs';
import elEn from 'element-plus/es/locale/lang/en.mjs';
import zhCN from './locales/zh-CN';
import zhTW from './locales/zh-TW';
import en from './locales/en';
import { ApiError } from '../api/http';

export const kLocales = ['zh-CN', 'zh-TW', 'en'] as const;
export type Locale = (typeof kLocales)[number];

const kStorageKey = 'kefu.locale';

function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (kLocales as readonly string[]).includes(value);
}

function initialLocale(): Locale {
  try {
    const stored = localStorage.getItem(kStorageKey);
    if (isLocale(stored)) return stored;
  } catch {
    // Storage can be disabled by policy; fall through to the browser's language.
  }
  const browser = (navigator.languages ?? [navigator.language]).map((l) => l.toLowerCase());
  const first = browser.find((l) => l.startsWith('zh')) ?? '';
  if (/^zh-(tw|hk|mo)|^zh-hant/.test(first)) return 'zh-TW';
  return 'zh-CN';
}

export const i18n = createI18n({
  legacy: false,
  locale: initialLocale(),
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': zhCN, 'zh-TW': zhTW, en },
  missingWarn: import.meta.env.DEV,
  fallbackWarn: import.meta.env.DEV,
});

const elementLocales = { 'zh-CN': elZhCn, 'zh-TW': elZhTw, en: elEn };

export const currentLocale = computed<Locale>(() => i18n.global.locale.value as Locale);
export const elementLocale = computed(() => elementLocales[currentLocale.value]);

function applyToDocument(locale: Locale): void {
  document.documentElement.lang = locale;
  document.title = i18n.global.t('app.name');
}

export function setLocale(locale: Locale): void {
  i18n.global.locale.value = locale;
  try {
    localStorage.setItem(kStorageKey, locale);
  } catch {
    // Not persisted; the choice still holds for this page.
  }
  applyToDocument(locale);
}

applyToDocument(currentLocale.value);

const kTimeZone = 'Asia/Shanghai';

/** UTC milliseconds → "2024/05/01 13:45:07" in Asia/Shanghai time, in the UI's locale. */
export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '';
  return new Intl.DateTimeFormat(currentLocale.value, {
    timeZone: kTimeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(ms));
}

const kKnownErrors = new Set([
  'invalid_credentials', 'account_locked', 'account_disabled', 'rate_limited',
  'invalid_argument', 'unauthenticated', 'forbidden', 'csrf_failed', 'network_error', 'timeout',
]);

/** A user-facing sentence for any failure, chosen by the error code, never the raw message. */
export function errorText(e: unknown): string {
  const t = i18n.global.t;
  if (!(e instanceof ApiError)) return t('errors.unknown', { code: 'client' });
  if (e.code === 'account_locked') {
    const minutes = e.retryAfterS ? Math.max(1, Math.ceil(e.retryAfterS / 60)) : 15;
    return t('errors.account_locked', { minutes });
  }
  if (kKnownErrors.has(e.code)) return t(`errors.${e.code}`);
  if (e.code === 'permission_denied') return t('errors.forbidden');
  if (e.status === 403) return t('errors.forbidden');
  if (e.status === 429) return t('errors.rate_limited');
  if (e.status >= 500) return t('errors.server', { code: e.code });
  return t('errors.unknown', { code: e.code });
}

/** A team as people know it: its name or code when the server sends them, else its id. */
export function teamText(user: { team_id: string | null; team_name?: string | null;
                                 team_code?: string | null }): string | null {
  return user.team_name || user.team_code || user.team_id;
}

/** Role code → its label in the UI's language; unknown roles show as they are. */
export function roleLabel(role: string): string {
  const key = `roles.${role}`;
  return i18n.global.te(key) ? i18n.global.t(key) : role;
}
