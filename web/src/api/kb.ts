// Typed calls of the knowledge base routes (/api/v1/kb/…, issue #7).

import { request } from './http';
import type { Page } from './types';

export type KbKind = 'faq' | 'phrase' | 'link' | 'article' | 'activity';
export type KbHitKind = KbKind | 'error_code';

export const kKbKinds: readonly KbKind[] = ['faq', 'phrase', 'link', 'article', 'activity'];

/** One entry as the API returns it (ids are strings, times UTC ms). */
export interface KbEntry {
  id: string;
  kind: KbKind;
  title: string;
  similar_questions: string[];
  body: string;
  category: string;
  tags: string[];
  visibility: 'agent_only' | 'customer';
  valid_from_ms: number | null;
  valid_to_ms: number | null;
  shortcut: string | null;
  url: string | null;
  code: string | null;
  terms: string | null;
  regions: string[];
  card_types: string[];
  sms_text: string | null;
  related_ids: string[];
  version: number;
  updated_by: string;
  created_ms: number;
  updated_ms: number;
  favourite?: boolean;
  /** GET entry and code lookup: related_ids resolved (entries deleted since are left out). */
  related?: KbRelated[];
}

export interface KbRelated {
  id: string;
  kind: KbKind;
  title: string;
}

/** What the edit form sends (POST creates, PATCH edits with `version`). */
export type KbEntryInput = Omit<KbEntry, 'id' | 'version' | 'updated_by' | 'created_ms' |
  'updated_ms' | 'favourite' | 'related'>;

export interface KbHighlight {
  field: 'question' | 'similar' | 'answer' | 'tags';
  index: number;
  text: string;
  /** HTML-escaped by the server, matches in <em>. */
  html: string;
}

export interface KbHit {
  id: string | null;
  kind: KbHitKind;
  title: string;
  code: string | null;
  category: string;
  preview: string;
  score: number;
  code_match: boolean;
  region_match: '' | 'national' | 'match' | 'other';
  card_type_match: '' | 'any' | 'match' | 'other';
  date_match: boolean;
  expired: boolean;
  valid_from_ms: number | null;
  valid_to_ms: number | null;
  highlights: KbHighlight[];
}

export interface KbSearchResult {
  items: KbHit[];
  window: { phrase: string; from_ms: number; to_ms: number } | null;
  text: string;
}

export interface KbSearchParams {
  q: string;
  type?: string;
  region?: string;
  card_type?: string;
  limit?: number;
}

export type KbChannel = 'all' | 'pos' | 'atm' | 'online_banking' | 'mobile_banking' |
  'quick_pay' | 'counter';

export const kKbChannels: readonly KbChannel[] = [
  'all', 'pos', 'atm', 'online_banking', 'mobile_banking', 'quick_pay', 'counter',
];

export interface KbErrorCode {
  code: string;
  reason: string;
  advice: string;
  channel: KbChannel | (string & {});
  category: string;
  updated_ms: number;
  /** 0 for a code that has not changed since it arrived from the bank's feed. */
  version: number;
  updated_by: string;
}

/** PUT /kb/error-codes/{code}: `version` guards an edit, `create` refuses an existing code. */
export interface KbErrorCodeInput {
  reason: string;
  advice: string;
  channel: string;
  category: string;
  version?: number;
  create?: boolean;
}

export interface KbErrorCodeVersion {
  version: number;
  action: 'create' | 'update' | 'delete';
  changed_by: string;
  changed_ms: number;
  /** The code after the change (before it, for a delete). */
  error_code: Omit<KbErrorCode, 'version' | 'updated_by'> | null;
}

export interface KbCategory {
  kind: KbHitKind;
  /** '' = uncategorised. */
  category: string;
  count: number;
}

export interface KbImportIssue {
  sheet: string;
  line: number;
  column: string;
  reason: string;
}

export interface KbImportReport {
  rows: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
  issues: KbImportIssue[];
  dry_run: boolean;
}

export type KbPage<T> = Page<T> & { total: number };

export interface KbCodeLookup {
  kind: 'activity' | 'error_code' | 'phrase' | KbKind;
  expired: boolean;
  entry: KbEntry | null;
  error_code: KbErrorCode | null;
}

export interface KbVersion {
  version: number;
  action: 'create' | 'update' | 'delete';
  changed_by: string;
  changed_ms: number;
  entry: KbEntry | null;
}

export function searchKb(params: KbSearchParams): Promise<KbSearchResult> {
  return request<KbSearchResult>('GET', '/kb/search', { query: { ...params } });
}

export function lookupCode(code: string): Promise<KbCodeLookup> {
  return request<KbCodeLookup>('GET', `/kb/codes/${encodeURIComponent(code)}`);
}

export function getEntry(id: string): Promise<KbEntry> {
  return request<KbEntry>('GET', `/kb/entries/${encodeURIComponent(id)}`);
}

export function createEntry(entry: KbEntryInput): Promise<KbEntry> {
  return request<KbEntry>('POST', '/kb/entries', { body: entry });
}

export function updateEntry(id: string, entry: Partial<KbEntryInput> & { version: number }):
    Promise<KbEntry> {
  return request<KbEntry>('PATCH', `/kb/entries/${encodeURIComponent(id)}`, { body: entry });
}

export function deleteEntry(id: string): Promise<void> {
  return request<void>('DELETE', `/kb/entries/${encodeURIComponent(id)}`);
}

export function listVersions(id: string): Promise<{ items: KbVersion[] }> {
  return request<{ items: KbVersion[] }>('GET', `/kb/entries/${encodeURIComponent(id)}/versions`);
}

export function setFavourite(id: string, on: boolean): Promise<void> {
  return request<void>(on ? 'POST' : 'DELETE', `/kb/entries/${encodeURIComponent(id)}/favourite`);
}

export function listFavourites(): Promise<{ items: KbEntry[] }> {
  return request<{ items: KbEntry[] }>('GET', '/kb/favourites');
}

/** `uncategorised: 'true'` lists the entries without a category. */
export function listEntries(params: { kind?: string; category?: string; uncategorised?: string;
                                      limit?: number; cursor?: string }): Promise<KbPage<KbEntry>> {
  return request<KbPage<KbEntry>>('GET', '/kb/entries', { query: { ...params } });
}

export function listCategories(): Promise<{ items: KbCategory[] }> {
  return request<{ items: KbCategory[] }>('GET', '/kb/categories');
}

export function listErrorCodes(params: { category?: string; q?: string; limit?: number;
                                         cursor?: string }): Promise<KbPage<KbErrorCode>> {
  return request<KbPage<KbErrorCode>>('GET', '/kb/error-codes', { query: { ...params } });
}

export function putErrorCode(code: string, body: KbErrorCodeInput): Promise<KbErrorCode> {
  return request<KbErrorCode>('PUT', `/kb/error-codes/${encodeURIComponent(code)}`, { body });
}

export function deleteErrorCode(code: string): Promise<void> {
  return request<void>('DELETE', `/kb/error-codes/${encodeURIComponent(code)}`);
}

export function listErrorCodeVersions(code: string): Promise<{ items: KbErrorCodeVersion[] }> {
  return request<{ items: KbErrorCodeVersion[] }>(
    'GET', `/kb/error-codes/${encodeURIComponent(code)}/versions`);
}

export function importKb(fileName: string, contentBase64: string, dryRun: boolean):
    Promise<KbImportReport> {
  return request<KbImportReport>('POST', '/kb/import', {
    body: { file_name: fileName, content_base64: contentBase64, dry_run: dryRun },
  });
}

/** The whole knowledge base as the import file's JSON shape. */
export function exportKbJson(): Promise<unknown> {
  return request<unknown>('GET', '/kb/export', { query: { format: 'json' } });
}

export function exportKbXlsx(): Promise<{ file_name: string; content_base64: string }> {
  return request<{ file_name: string; content_base64: string }>(
    'GET', '/kb/export', { query: { format: 'xlsx' } });
}
