// The knowledge page's error sentence: the app's sentence for the error code, then — for a
// request the user can fix — the field at fault and the server's reason.

import { ApiError } from '../../api/http';
import { errorText, i18n } from '../../i18n';

export function kbErrorText(e: unknown): string {
  const base = errorText(e);
  if (!(e instanceof ApiError) || !e.message || e.message === e.code) return base;
  if (e.status < 400 || e.status >= 500 || e.status === 401 || e.status === 403 ||
      e.status === 429) {
    return base;
  }
  const { t, te } = i18n.global;
  const key = `kb.fields.${e.field ?? ''}`;
  const field = e.field ? (te(key) ? t(key) : e.field) : '';
  const detail = field ? t('kb.errorDetail', { field, message: e.message }) : e.message;
  return e.status === 400 ? `${base}。${detail}` : detail;
}
