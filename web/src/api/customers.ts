// Typed calls of the customer routes (#6): search, the 360 view, prospects, profile edits,
// owners, follow-ups and the import upload.

import { request } from './http';

export interface CustomerSummary {
  id: string;
  name: string;
  mobile: string | null;
  tier: string;
  tier_label: string;
  status: string;
  branch_name: string | null;
  owner_agent_name: string | null;
  updated_ms: number;
}

export interface Transaction {
  id: string;
  card_masked: string | null;
  kind: string;
  direction: string;
  amount_fen: number;
  currency: string;
  merchant: string | null;
  channel: string;
  status: string;
  error_code: string | null;
  error_reason: string | null;
  error_advice: string | null;
  occurred_ms: number;
}

export interface FollowUp {
  id: string;
  author_name: string;
  channel: string;
  content: string;
  next_step: string | null;
  due_ms: number | null;
  done_ms: number | null;
  created_ms: number;
}

export interface Customer360 {
  found: true;
  id: string;
  cif: string | null;
  name: string;
  gender: string | null;
  birth_date: string | null;
  tier: string;
  tier_label: string;
  segment: string | null;
  customer_type: string | null;
  assets_fen: number | null;
  status: string;
  region_name: string | null;
  branch_name: string | null;
  preferred_script: string;
  owner_agent_id: string | null;
  owner_agent_name: string | null;
  masked: boolean;
  mobile: string | null;
  other_mobiles: string[];
  id_type: string;
  id_number: string | null;
  email: string | null;
  consent: Record<string, boolean>;
  tags: string[];
  cards: {
    id: string; number_masked: string; product: string; kind: string;
    credit_limit_fen: number | null; available_fen: number; due_day: number | null;
    status: string;
  }[];
  accounts: { id: string; account_masked: string; kind: string; balance_fen: number; status: string }[];
  loans: { id: string; product: string; balance_fen: number; overdue_days: number; status: string }[];
  transactions: Transaction[];
  failed_transactions_30d: number;
  applications: {
    id: string; product_kind: string; product: string; stage: string; stage_note: string | null;
    updated_ms: number;
  }[];
  sms: {
    id: string; kind: string; text: string; activity_code: string | null;
    error_code: string | null; error_reason: string | null; status: string; sent_ms: number;
  }[];
  journey: {
    id: string; channel: string; step: string; outcome: string; error_code: string | null;
    occurred_ms: number;
  }[];
  follow_ups: FollowUp[];
  owner_history: {
    agent_id: string | null; agent_name: string | null; reason: string; changed_by: string;
    changed_ms: number;
  }[];
  contacts: Contact[];
  open_tickets: Ticket[];
  complaints: Ticket[];
  complaints_12m: number;
  surveys: { id: string; kind: string; channel: string; score: number; comment: string | null; answered_ms: number }[];
  latest_nps: number | null;
}

/** A contact on any channel (接触记录). */
export interface Contact {
  id: string;
  channel: string;
  direction: string;
  queue_name: string | null;
  agent_name: string | null;
  status: string;
  disposition: string | null;
  summary: string | null;
  started_ms: number;
  answered_ms: number | null;
  ended_ms: number | null;
}

/** A ticket (工单); complaints (投诉) are tickets of kind complaint. */
export interface Ticket {
  id: string;
  number: string;
  kind: string;
  category: string;
  subject: string;
  priority: string;
  status: string;
  severity: string | null;
  via_regulator: boolean;
  assignee_name: string | null;
  due_ms: number | null;
  resolution: string | null;
  created_ms: number;
  updated_ms: number;
  resolved_ms: number | null;
}

export interface UnknownCaller {
  found: false;
  unknown_caller: true;
  by: string;
}

export interface ImportIssue {
  line: number;
  column: string;
  reason: string;
  value: string;
  warning: boolean;
}

export interface ImportResult {
  job_id: string;
  encoding: string;
  rows: number;
  inserted: number;
  updated: number;
  unchanged: number;
  merged_in_file: number;
  rejected: number;
  warnings: number;
  ignored_columns: string[];
  issues: ImportIssue[];
  issues_total: number;
  elapsed_ms: number;
}

export function searchCustomers(q: string): Promise<{ items: CustomerSummary[] }> {
  return request('GET', '/customers', { query: { q, limit: 50 } });
}

export function lookupCustomer(key: Record<string, string>, unmask = false):
    Promise<Customer360 | UnknownCaller> {
  return request('GET', '/customers/lookup', { query: { ...key, unmask: unmask ? 'true' : null } });
}

export function createProspect(mobile: string, name?: string): Promise<{ id: string }> {
  return request('POST', '/customers', { body: { mobile, name: name || undefined } });
}

export interface ProfilePatch {
  tier?: string;
  segment?: string;
  customer_type?: string;
  preferred_script?: string;
  tags?: string[];
  marketing_consent?: boolean;
  mobile?: string;
  email?: string;
}

export function updateCustomer(id: string, patch: ProfilePatch): Promise<void> {
  return request('PATCH', `/customers/${id}`, { body: patch });
}

export function changeOwner(id: string, agentId: string | null): Promise<unknown> {
  return request('POST', `/customers/${id}/owner`, { body: { agent_id: agentId } });
}

export function addFollowUp(id: string, channel: string, content: string, nextStep: string):
    Promise<{ id: string }> {
  return request('POST', `/customers/${id}/follow-ups`, {
    body: { channel, content, next_step: nextStep || undefined },
  });
}

export function completeFollowUp(id: string): Promise<void> {
  return request('POST', `/follow-ups/${id}/done`);
}

/** A background import (POST /customers/import-jobs) as GET /customers/import-jobs/{id} shows it. */
export interface ImportJob {
  job_id: string;
  file_name: string;
  status: 'queued' | 'running' | 'done' | 'failed' | 'cancelled';
  done: number;
  total: number;
  dry_run: boolean;
  report: Omit<ImportResult, 'job_id' | 'issues' | 'issues_total'> | null;
  issues: ImportIssue[];
  issues_total: number;
  error: string | null;
}

/** Uploads the file's bytes; the import runs in the background. */
export function submitImportJob(file: Blob, fileName: string, dryRun: boolean):
    Promise<{ job_id: string; status: string }> {
  return request('POST', '/customers/import-jobs', {
    upload: file,
    query: { file_name: fileName, dry_run: dryRun ? 'true' : undefined },
  });
}

export function getImportJob(id: string): Promise<ImportJob> {
  return request('GET', `/customers/import-jobs/${id}`);
}
