// kefu's schema, as forward-only migrations (see migrate.h).
//
// Conventions shared by every table (ARCHITECTURE.md data rules):
// - ids are BIGINT primary keys chosen by the application (kefu::IdGenerator, time-ordered),
//   never autoincrement, so several nodes can insert without coordination;
// - times are BIGINT UTC milliseconds (suffix _ms), money BIGINT fen (suffix _fen), calendar
//   dates TEXT 'YYYY-MM-DD', booleans INTEGER 0/1, text TEXT (UTF-8);
// - enumerations are English codes guarded by CHECK; the UI maps them to Chinese labels;
// - the SQL is the subset SQLite 3.40 and PostgreSQL 15 share, so one text serves both.
//
// Code → label mappings for the enumerations below (the UI and the CLI show the labels):
//   customers.tier        standard 普通 · gold 金卡 · platinum 白金 · private 私人银行
//   customers.gender      male 男 · female 女
//   customers.id_type     resident_id 居民身份证 · residence_permit 港澳台居民居住证 ·
//                         passport 护照 · other 其他
//   customers.preferred_script  simplified 简体 · traditional 繁體
//   customers.status      active 正常 · prospect 潜在客户 · dormant 睡眠 · closed 已销户
//   agents.role           agent 座席 · expert 专家座席 · supervisor 班组长 · qa 质检员 ·
//                         analyst 分析师 · admin 管理员
//   queues.channel        voice 语音 · chat 在线客服 · app 手机App · wechat 微信 · weibo 微博 ·
//                         email 邮件 · sms 短信
//   cards.kind            credit 信用卡 · debit 借记卡
//   cards.status          active 正常 · inactive 未激活 · frozen 冻结 · lost 挂失 ·
//                         expired 过期 · closed 已销卡
//   loans.product         mortgage 房贷 · auto 车贷 · consumer 消费贷 · business 经营贷
//   loans.status          active 正常 · overdue 逾期 · paid_off 已结清 · written_off 已核销
//   transactions.channel  pos POS · atm ATM · online_banking 网银 · mobile_banking 手机银行 ·
//                         quick_pay 快捷支付 · counter 柜面 (error_codes.channel adds all 全部)
//   transactions.kind     purchase 消费 · withdrawal 取现 · transfer_out 转出 · transfer_in 转入 ·
//                         repayment 还款 · refund 退款 · fee 手续费
//   transactions.direction  out 支出 · in 收入
//   transactions.status   success 成功 · failed 失败 · reversed 已冲正

#include "kefu/store/migrate.h"

namespace kefu::store {
namespace {

// Migration 1. Notes on choices that are not obvious from the SQL:
// - `id BIGINT NOT NULL PRIMARY KEY`: SQLite lets a non-INTEGER primary key hold NULL unless
//   NOT NULL is spelled out.
// - kefu_meta holds markers such as 'demo_seeded'; KEY and VALUE are non-reserved in both
//   dialects.
// - customers.id_number_hash is UNIQUE but nullable: prospects (unknown callers) have no ID
//   number, and both dialects allow many NULLs in a UNIQUE column.
// - cards keep only the masked number, its last four digits and a keyed hash (the full number
//   never reaches the database); lookups by full number go through card_number_hash.
// - transactions.account_masked names the account a card-less transaction used (a transfer
//   from a passbook account, say); kefu has no accounts table yet.
// - amount_fen is always positive, in the minor unit (分, cent) of `currency`; `direction`
//   says whether money left or reached the customer.
// - The indexes are the lookups of a screen pop: customer by mobile (hash or clear, for the
//   caller's number), by ID number hash and by e-mail, a customer's cards, loans and recent
//   transactions, and the recent failures shown first.
constexpr std::string_view kFoundationSql = R"sql(
CREATE TABLE kefu_meta (
  key TEXT NOT NULL PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE regions (
  id BIGINT NOT NULL PRIMARY KEY,
  code TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  province TEXT NOT NULL,
  area TEXT NOT NULL CHECK (area IN ('mainland', 'hk', 'macau', 'tw')),
  created_ms BIGINT NOT NULL
);

CREATE TABLE branches (
  id BIGINT NOT NULL PRIMARY KEY,
  region_id BIGINT NOT NULL REFERENCES regions (id),
  code TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  address TEXT NOT NULL,
  phone TEXT,
  created_ms BIGINT NOT NULL
);
CREATE INDEX branches_region_idx ON branches (region_id);

CREATE TABLE teams (
  id BIGINT NOT NULL PRIMARY KEY,
  code TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  created_ms BIGINT NOT NULL
);

CREATE TABLE agents (
  id BIGINT NOT NULL PRIMARY KEY,
  employee_no TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  team_id BIGINT REFERENCES teams (id),
  role TEXT NOT NULL
    CHECK (role IN ('agent', 'expert', 'supervisor', 'qa', 'analyst', 'admin')),
  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
  mobile TEXT,
  email TEXT,
  max_chats INTEGER NOT NULL DEFAULT 3 CHECK (max_chats >= 0),
  created_ms BIGINT NOT NULL,
  updated_ms BIGINT NOT NULL
);
CREATE INDEX agents_team_idx ON agents (team_id);

CREATE TABLE skills (
  id BIGINT NOT NULL PRIMARY KEY,
  code TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  category TEXT NOT NULL CHECK (category IN ('business', 'language', 'channel')),
  created_ms BIGINT NOT NULL
);

CREATE TABLE agent_skills (
  agent_id BIGINT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  skill_id BIGINT NOT NULL REFERENCES skills (id) ON DELETE CASCADE,
  proficiency INTEGER NOT NULL CHECK (proficiency BETWEEN 1 AND 5),
  PRIMARY KEY (agent_id, skill_id)
);
CREATE INDEX agent_skills_skill_idx ON agent_skills (skill_id);

CREATE TABLE queues (
  id BIGINT NOT NULL PRIMARY KEY,
  code TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  channel TEXT NOT NULL
    CHECK (channel IN ('voice', 'chat', 'app', 'wechat', 'weibo', 'email', 'sms')),
  priority INTEGER NOT NULL DEFAULT 0,
  service_level_seconds INTEGER NOT NULL DEFAULT 25 CHECK (service_level_seconds > 0),
  service_level_target_pct INTEGER NOT NULL DEFAULT 80
    CHECK (service_level_target_pct BETWEEN 1 AND 100),
  min_tier TEXT CHECK (min_tier IN ('standard', 'gold', 'platinum', 'private')),
  enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  created_ms BIGINT NOT NULL
);

CREATE TABLE queue_skills (
  queue_id BIGINT NOT NULL REFERENCES queues (id) ON DELETE CASCADE,
  skill_id BIGINT NOT NULL REFERENCES skills (id) ON DELETE CASCADE,
  min_proficiency INTEGER NOT NULL DEFAULT 1 CHECK (min_proficiency BETWEEN 1 AND 5),
  PRIMARY KEY (queue_id, skill_id)
);
CREATE INDEX queue_skills_skill_idx ON queue_skills (skill_id);

CREATE TABLE customers (
  id BIGINT NOT NULL PRIMARY KEY,
  name TEXT NOT NULL,
  gender TEXT CHECK (gender IN ('male', 'female')),
  birth_date TEXT,
  mobile TEXT,
  mobile_hash TEXT,
  email TEXT,
  id_type TEXT NOT NULL DEFAULT 'resident_id'
    CHECK (id_type IN ('resident_id', 'residence_permit', 'passport', 'other')),
  id_number TEXT,
  id_number_hash TEXT UNIQUE,
  tier TEXT NOT NULL DEFAULT 'standard'
    CHECK (tier IN ('standard', 'gold', 'platinum', 'private')),
  segment TEXT,
  status TEXT NOT NULL DEFAULT 'active'
    CHECK (status IN ('active', 'prospect', 'dormant', 'closed')),
  region_id BIGINT REFERENCES regions (id),
  branch_id BIGINT REFERENCES branches (id),
  owner_agent_id BIGINT REFERENCES agents (id),
  preferred_script TEXT NOT NULL DEFAULT 'simplified'
    CHECK (preferred_script IN ('simplified', 'traditional')),
  created_ms BIGINT NOT NULL,
  updated_ms BIGINT NOT NULL,
  CHECK ((id_number IS NULL) = (id_number_hash IS NULL)),
  CHECK ((mobile IS NULL) = (mobile_hash IS NULL))
);
CREATE INDEX customers_mobile_hash_idx ON customers (mobile_hash);
CREATE INDEX customers_mobile_idx ON customers (mobile);
CREATE INDEX customers_email_idx ON customers (email);
CREATE INDEX customers_owner_idx ON customers (owner_agent_id);
CREATE INDEX customers_branch_idx ON customers (branch_id);

CREATE TABLE cards (
  id BIGINT NOT NULL PRIMARY KEY,
  customer_id BIGINT NOT NULL REFERENCES customers (id),
  card_number_masked TEXT NOT NULL,
  card_number_hash TEXT NOT NULL UNIQUE,
  last4 TEXT NOT NULL CHECK (length(last4) = 4),
  product TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('credit', 'debit')),
  currency TEXT NOT NULL DEFAULT 'CNY' CHECK (length(currency) = 3),
  credit_limit_fen BIGINT CHECK (credit_limit_fen >= 0),
  available_fen BIGINT NOT NULL DEFAULT 0,
  statement_day INTEGER CHECK (statement_day BETWEEN 1 AND 28),
  due_day INTEGER CHECK (due_day BETWEEN 1 AND 31),
  expiry_month TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'active'
    CHECK (status IN ('active', 'inactive', 'frozen', 'lost', 'expired', 'closed')),
  opened_ms BIGINT NOT NULL,
  updated_ms BIGINT NOT NULL,
  CHECK (kind = 'credit' OR credit_limit_fen IS NULL)
);
CREATE INDEX cards_customer_idx ON cards (customer_id);

CREATE TABLE loans (
  id BIGINT NOT NULL PRIMARY KEY,
  customer_id BIGINT NOT NULL REFERENCES customers (id),
  product TEXT NOT NULL CHECK (product IN ('mortgage', 'auto', 'consumer', 'business')),
  principal_fen BIGINT NOT NULL CHECK (principal_fen > 0),
  balance_fen BIGINT NOT NULL CHECK (balance_fen >= 0),
  rate_bp INTEGER NOT NULL CHECK (rate_bp >= 0),
  term_months INTEGER NOT NULL CHECK (term_months > 0),
  repayment_day INTEGER NOT NULL CHECK (repayment_day BETWEEN 1 AND 28),
  overdue_days INTEGER NOT NULL DEFAULT 0 CHECK (overdue_days >= 0),
  status TEXT NOT NULL DEFAULT 'active'
    CHECK (status IN ('active', 'overdue', 'paid_off', 'written_off')),
  start_ms BIGINT NOT NULL,
  updated_ms BIGINT NOT NULL
);
CREATE INDEX loans_customer_idx ON loans (customer_id);

CREATE TABLE error_codes (
  code TEXT NOT NULL PRIMARY KEY,
  reason TEXT NOT NULL,
  advice TEXT NOT NULL,
  channel TEXT NOT NULL DEFAULT 'all' CHECK (channel IN
    ('all', 'pos', 'atm', 'online_banking', 'mobile_banking', 'quick_pay', 'counter')),
  category TEXT NOT NULL,
  updated_ms BIGINT NOT NULL
);

CREATE TABLE transactions (
  id BIGINT NOT NULL PRIMARY KEY,
  customer_id BIGINT NOT NULL REFERENCES customers (id),
  card_id BIGINT REFERENCES cards (id),
  account_masked TEXT,
  kind TEXT NOT NULL CHECK (kind IN
    ('purchase', 'withdrawal', 'transfer_out', 'transfer_in', 'repayment', 'refund', 'fee')),
  direction TEXT NOT NULL CHECK (direction IN ('out', 'in')),
  amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
  currency TEXT NOT NULL DEFAULT 'CNY' CHECK (length(currency) = 3),
  merchant TEXT,
  country TEXT NOT NULL DEFAULT 'CN' CHECK (length(country) = 2),
  channel TEXT NOT NULL CHECK (channel IN
    ('pos', 'atm', 'online_banking', 'mobile_banking', 'quick_pay', 'counter')),
  status TEXT NOT NULL CHECK (status IN ('success', 'failed', 'reversed')),
  error_code TEXT REFERENCES error_codes (code),
  occurred_ms BIGINT NOT NULL,
  CHECK (status <> 'failed' OR error_code IS NOT NULL)
);
CREATE INDEX transactions_customer_time_idx ON transactions (customer_id, occurred_ms);
CREATE INDEX transactions_card_time_idx ON transactions (card_id, occurred_ms);
CREATE INDEX transactions_failed_idx ON transactions (customer_id, occurred_ms)
  WHERE status = 'failed';
)sql";


// Migration 2: accounts, sessions, API tokens, login attempts and the audit log (#3).
// - users.password_hash is libsodium's argon2id string (it carries its own salt and cost);
//   NULL means the account cannot log in with a password.
// - sessions and api_tokens keep only the SHA-256 of the secret the client holds.
// - login_attempts feed the lockout rule (5 failures in 15 minutes); every attempt is also
//   written to audit_log.
// - audit_log is append-only: triggers refuse UPDATE and DELETE on both backends.
constexpr std::string_view kAccountsSql = R"sql(
CREATE TABLE users (
  id BIGINT NOT NULL PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  role TEXT NOT NULL
    CHECK (role IN ('agent', 'expert', 'supervisor', 'qa', 'analyst', 'admin')),
  team_id BIGINT REFERENCES teams (id),
  agent_id BIGINT REFERENCES agents (id),
  password_hash TEXT,
  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
  password_changed_ms BIGINT,
  created_ms BIGINT NOT NULL,
  updated_ms BIGINT NOT NULL
);
CREATE INDEX users_team_idx ON users (team_id);

CREATE TABLE sessions (
  id BIGINT NOT NULL PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  csrf_token TEXT NOT NULL,
  ip TEXT,
  user_agent TEXT,
  created_ms BIGINT NOT NULL,
  last_seen_ms BIGINT NOT NULL,
  expires_ms BIGINT NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

CREATE TABLE api_tokens (
  id BIGINT NOT NULL PRIMARY KEY,
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  scopes TEXT NOT NULL,
  created_by BIGINT REFERENCES users (id),
  created_ms BIGINT NOT NULL,
  last_used_ms BIGINT,
  revoked_ms BIGINT
);

CREATE TABLE login_attempts (
  id BIGINT NOT NULL PRIMARY KEY,
  username TEXT NOT NULL,
  user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
  success INTEGER NOT NULL CHECK (success IN (0, 1)),
  reason TEXT NOT NULL,
  ip TEXT,
  at_ms BIGINT NOT NULL
);
CREATE INDEX login_attempts_user_time_idx ON login_attempts (username, at_ms);

CREATE TABLE audit_log (
  id BIGINT NOT NULL PRIMARY KEY,
  at_ms BIGINT NOT NULL,
  actor_id BIGINT,
  actor_name TEXT NOT NULL,
  action TEXT NOT NULL,
  object_type TEXT NOT NULL,
  object_id TEXT,
  ip TEXT,
  detail TEXT,
  trace_id TEXT
);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, id);
CREATE INDEX audit_log_action_idx ON audit_log (action, id);
CREATE INDEX audit_log_object_idx ON audit_log (object_type, object_id);
)sql";

// Migration 3: the append-only guard, the one place the dialects differ.
constexpr std::string_view kAuditAppendOnlySqlite = R"sql(
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
)sql";

constexpr std::string_view kAuditAppendOnlyPostgres = R"sql(
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
)sql";


// Migration 4: the full customer model (#6).
// - customer_keys is the one identity index: every exact key a customer can be found or
//   de-duplicated by (mobile, e-mail, resident ID, WeChat openid, Weibo id, app user id).
//   `key` is the keyed hash of the normalised value for mobile, e-mail and ID number (the
//   clear value is not needed to find someone) and the value itself for the platform ids.
//   One key belongs to one customer: two customers sharing a mobile are one customer to the
//   import, which reports the conflict instead of guessing. `value` keeps a secondary mobile
//   or e-mail in clear for display (masked on output like the primary ones).
// - The customers indexes on mobile, mobile_hash and email are dropped: customer_keys
//   replaces them (fewer indexes, faster bulk import). Existing mobiles and ID numbers are
//   copied into customer_keys from their stored hashes; e-mails have no stored hash and are
//   keyed when a customer is next imported or edited.
// - cif is the bank's own customer number (客户号), the key the bank's data feed uses.
// - consent is a JSON object {"alert": true, "marketing": false, …} per notification type.
// - owner_history keeps every owner change (who, when, why), newest last.
// - transactions and loans get the bank's own reference (external_ref) so the data feed can
//   send an item twice without duplicating it; accounts, applications and SMS have it too.
// - ingest_requests makes every ingest call idempotent: the key, the hash of the request it
//   was first used with, and the response given.
constexpr std::string_view kCustomerModelSql = R"sql(
ALTER TABLE customers ADD COLUMN cif TEXT;
ALTER TABLE customers ADD COLUMN customer_type TEXT;
ALTER TABLE customers ADD COLUMN assets_fen BIGINT;
ALTER TABLE customers ADD COLUMN wechat_openid TEXT;
ALTER TABLE customers ADD COLUMN weibo_id TEXT;
ALTER TABLE customers ADD COLUMN app_user_id TEXT;
ALTER TABLE customers ADD COLUMN consent TEXT NOT NULL DEFAULT '{}';
ALTER TABLE customers ADD COLUMN source TEXT NOT NULL DEFAULT 'manual';
ALTER TABLE transactions ADD COLUMN external_ref TEXT;
CREATE UNIQUE INDEX transactions_external_ref_idx ON transactions (external_ref);
ALTER TABLE loans ADD COLUMN external_ref TEXT;
CREATE UNIQUE INDEX loans_external_ref_idx ON loans (external_ref);
CREATE UNIQUE INDEX customers_cif_idx ON customers (cif);
CREATE INDEX customers_name_idx ON customers (name);
DROP INDEX customers_mobile_hash_idx;
DROP INDEX customers_mobile_idx;
DROP INDEX customers_email_idx;

CREATE TABLE customer_keys (
  kind TEXT NOT NULL CHECK (kind IN
    ('mobile', 'email', 'id_number', 'wechat_openid', 'weibo_id', 'app_user_id')),
  key TEXT NOT NULL,
  customer_id BIGINT NOT NULL REFERENCES customers (id),
  value TEXT,
  created_ms BIGINT NOT NULL,
  PRIMARY KEY (kind, key)
);
CREATE INDEX customer_keys_customer_idx ON customer_keys (customer_id);
INSERT INTO customer_keys (kind, key, customer_id, value, created_ms)
  SELECT 'mobile', mobile_hash, id, mobile, created_ms FROM customers
  WHERE mobile_hash IS NOT NULL
  ON CONFLICT DO NOTHING;
INSERT INTO customer_keys (kind, key, customer_id, value, created_ms)
  SELECT 'id_number', id_number_hash, id, NULL, created_ms FROM customers
  WHERE id_number_hash IS NOT NULL
  ON CONFLICT DO NOTHING;

CREATE TABLE customer_tags (
  customer_id BIGINT NOT NULL REFERENCES customers (id),
  tag TEXT NOT NULL,
  created_ms BIGINT NOT NULL,
  PRIMARY KEY (customer_id, tag)
);

CREATE TABLE owner_history (
  id BIGINT NOT NULL PRIMARY KEY,
  customer_id BIGINT NOT NULL REFERENCES customers (id),
  agent_id BIGINT REFERENCES agents (id),
  previous_agent_id BIGINT REFERENCES agents (id),
  reason TEXT NOT NULL CHECK (reason IN ('import', 'rule', 'round_robin', 'manual', 'ingest')),
  changed_by TEXT NOT NULL,
  changed_ms BIGINT NOT NULL
);
CREATE INDEX owner_history_customer_idx ON owner_history (customer_id, changed_ms);

CREATE TABLE accounts (
  id BIGINT NOT NULL PRIMARY KEY,
  customer_id BIGINT NOT NULL REFERENCES customers (id),
  external_ref TEXT NOT NULL UNIQUE,
  account_masked TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('savings', 'current', 'time_deposit', 'wealth')),
  currency TEXT NOT NULL DEFAULT 'CNY' CHECK (length(currency) = 3),
  balance_fen BIGINT NOT NULL DEFAULT 0,
  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'frozen', 'dormant', 'closed')),
  opened_ms BIGINT NOT NULL,
  updated_ms BIGINT NOT NULL
);
CREATE INDEX accounts_customer_idx ON accounts (customer_id);

CREATE TABLE applications (
  id BIGINT NOT NULL PRIMARY KEY,
  customer_id BIGINT NOT NULL REFERENCES customers (id),
  external_ref TEXT NOT NULL UNIQUE,
  product_kind TEXT NOT NULL CHECK (product_kind IN ('card', 'loan')),
  product TEXT NOT NULL,
  stage TEXT NOT NULL CHECK (stage IN ('submitted', 'reviewing', 'need_documents', 'approved',
                                       'rejected', 'issued', 'disbursed', 'cancelled')),
  stage_note TEXT,
  submitted_ms BIGINT NOT NULL,
  updated_ms BIGINT NOT NULL
);
CREATE INDEX applications_customer_idx ON applications (customer_id, updated_ms);

CREATE TABLE journey_events (
  id BIGINT NOT NULL PRIMARY KEY,
  customer_id BIGINT NOT NULL REFERENCES customers (id),
  channel TEXT NOT NULL CHECK (channel IN ('app', 'web', 'ivr', 'wechat')),
  step TEXT NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'failed', 'abandoned')),
  error_code TEXT,
  detail TEXT,
  occurred_ms BIGINT NOT NULL
);
CREATE INDEX journey_events_customer_idx ON journey_events (customer_id, occurred_ms);

CREATE TABLE sms_messages (
  id BIGINT NOT NULL PRIMARY KEY,
  customer_id BIGINT REFERENCES customers (id),
  external_ref TEXT UNIQUE,
  mobile_masked TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN
    ('alert', 'reminder', 'campaign', 'failure', 'verification', 'other')),
  text TEXT NOT NULL,
  activity_code TEXT,
  error_code TEXT,
  status TEXT NOT NULL DEFAULT 'sent' CHECK (status IN ('sent', 'delivered', 'failed')),
  sent_ms BIGINT NOT NULL
);
CREATE INDEX sms_messages_customer_idx ON sms_messages (customer_id, sent_ms);

CREATE TABLE follow_ups (
  id BIGINT NOT NULL PRIMARY KEY,
  customer_id BIGINT NOT NULL REFERENCES customers (id),
  author_id BIGINT REFERENCES users (id),
  author_name TEXT NOT NULL,
  channel TEXT NOT NULL CHECK (channel IN
    ('phone', 'chat', 'wechat', 'email', 'sms', 'visit', 'other')),
  content TEXT NOT NULL,
  next_step TEXT,
  due_ms BIGINT,
  done_ms BIGINT,
  created_ms BIGINT NOT NULL
);
CREATE INDEX follow_ups_customer_idx ON follow_ups (customer_id, created_ms);

CREATE TABLE ingest_requests (
  idempotency_key TEXT NOT NULL PRIMARY KEY,
  kind TEXT NOT NULL,
  request_sha256 TEXT NOT NULL,
  http_status INTEGER NOT NULL,
  response TEXT NOT NULL,
  created_ms BIGINT NOT NULL
);

CREATE TABLE import_jobs (
  id BIGINT NOT NULL PRIMARY KEY,
  kind TEXT NOT NULL,
  file_name TEXT NOT NULL,
  file_sha256 TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
  rows_total BIGINT NOT NULL DEFAULT 0,
  inserted BIGINT NOT NULL DEFAULT 0,
  updated BIGINT NOT NULL DEFAULT 0,
  unchanged BIGINT NOT NULL DEFAULT 0,
  rejected BIGINT NOT NULL DEFAULT 0,
  error_file TEXT,
  message TEXT,
  started_by TEXT NOT NULL,
  started_ms BIGINT NOT NULL,
  finished_ms BIGINT
);
)sql";

// Migration 5: the knowledge base (#7).
// - kb_entries holds every kind of entry in one table: FAQ (标准问题 title, similar questions,
//   answer body), canned phrases (常用语, with an optional unique shortcut), links (常用链接,
//   url), articles, and activity codes (活动代码: code, terms, regions, eligible card types,
//   the SMS text that carried the code, related FAQ ids; valid_from_ms/valid_to_ms are the
//   campaign's start and end). One table keeps one CRUD path, one version history and one
//   search document shape; columns a kind does not use stay NULL or '[]'.
// - Lists (similar_questions, tags, regions, card_types, related_ids) are JSON array text.
//   regions '[]' means national (全国); card_types '[]' means every card.
// - code is upper-case and unique across kinds (the exact lookup); shortcut is unique.
// - Error codes stay in error_codes (migration 1): the kb service indexes them too, as search
//   documents of type error_code, and imports/exports them beside the entries.
// - kb_versions keeps every change (create, update, delete) with who and when and the whole
//   entry as JSON after the change (before it, for delete). It has no foreign key, so the
//   history of a deleted entry stays.
// - kb_favourites are per user (users.id, or a token's synthetic id); deleting an entry
//   deletes its favourites.
constexpr std::string_view kKnowledgeBaseSql = R"sql(
CREATE TABLE kb_entries (
  id BIGINT NOT NULL PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('faq', 'phrase', 'link', 'article', 'activity')),
  title TEXT NOT NULL,
  similar_questions TEXT NOT NULL DEFAULT '[]',
  body TEXT NOT NULL DEFAULT '',
  category TEXT NOT NULL DEFAULT '',
  tags TEXT NOT NULL DEFAULT '[]',
  visibility TEXT NOT NULL DEFAULT 'agent_only'
    CHECK (visibility IN ('agent_only', 'customer')),
  valid_from_ms BIGINT,
  valid_to_ms BIGINT,
  shortcut TEXT UNIQUE,
  url TEXT,
  code TEXT UNIQUE,
  terms TEXT,
  regions TEXT NOT NULL DEFAULT '[]',
  card_types TEXT NOT NULL DEFAULT '[]',
  sms_text TEXT,
  related_ids TEXT NOT NULL DEFAULT '[]',
  version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
  updated_by TEXT NOT NULL,
  created_ms BIGINT NOT NULL,
  updated_ms BIGINT NOT NULL,
  CHECK (valid_from_ms IS NULL OR valid_to_ms IS NULL OR valid_from_ms < valid_to_ms),
  CHECK (kind <> 'activity' OR code IS NOT NULL)
);
CREATE INDEX kb_entries_kind_idx ON kb_entries (kind, updated_ms);
CREATE INDEX kb_entries_title_idx ON kb_entries (kind, title);

CREATE TABLE kb_versions (
  entry_id BIGINT NOT NULL,
  version INTEGER NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('create', 'update', 'delete')),
  changed_by TEXT NOT NULL,
  changed_ms BIGINT NOT NULL,
  entry TEXT NOT NULL,
  PRIMARY KEY (entry_id, version)
);

CREATE TABLE kb_favourites (
  user_id BIGINT NOT NULL,
  entry_id BIGINT NOT NULL REFERENCES kb_entries (id) ON DELETE CASCADE,
  created_ms BIGINT NOT NULL,
  PRIMARY KEY (user_id, entry_id)
);
CREATE INDEX kb_favourites_entry_idx ON kb_favourites (entry_id);
)sql";


// Migration 6: the service history a customer 360 shows (#6) and error-code history (#7).
// - interactions are contacts on every channel (接触记录): one row per call, chat, app or
//   WeChat session, e-mail, SMS conversation. The conversations service will write them as
//   contacts arrive; until then, and for the history a bank brings from its old system, the
//   data feed sends them with the old system's reference (external_ref). agent_name is kept
//   beside agent_id because history often names agents kefu does not know.
// - tickets (工单) hold every kind of follow-on work: a request, a left message (留言), a
//   callback and a complaint (投诉). A complaint is a ticket of kind 'complaint' with a
//   severity and a flag for complaints passed on by the regulator (监管转办); keeping one
//   table keeps one life cycle (new → open → pending → resolved → closed) and one numbering
//   (number, e.g. GD20261122000123, is what the customer is told).
// - surveys are the answers customers give after a contact: CSAT 1–5, NPS 0–10, CES 1–7.
// - error_code_versions keeps every change to an error code (like kb_versions): who, when,
//   and the whole code as JSON after the change (before it, for delete).
constexpr std::string_view kServiceHistorySql = R"sql(
CREATE TABLE interactions (
  id BIGINT NOT NULL PRIMARY KEY,
  customer_id BIGINT REFERENCES customers (id),
  external_ref TEXT UNIQUE,
  channel TEXT NOT NULL CHECK (channel IN
    ('voice', 'chat', 'app', 'wechat', 'weibo', 'email', 'sms')),
  direction TEXT NOT NULL DEFAULT 'inbound' CHECK (direction IN ('inbound', 'outbound')),
  queue_id BIGINT REFERENCES queues (id),
  agent_id BIGINT REFERENCES agents (id),
  agent_name TEXT,
  status TEXT NOT NULL CHECK (status IN ('queued', 'active', 'ended', 'abandoned')),
  disposition TEXT,
  summary TEXT,
  started_ms BIGINT NOT NULL,
  answered_ms BIGINT,
  ended_ms BIGINT,
  CHECK (answered_ms IS NULL OR answered_ms >= started_ms),
  CHECK (ended_ms IS NULL OR ended_ms >= started_ms)
);
CREATE INDEX interactions_customer_idx ON interactions (customer_id, started_ms);

CREATE TABLE tickets (
  id BIGINT NOT NULL PRIMARY KEY,
  number TEXT NOT NULL UNIQUE,
  customer_id BIGINT REFERENCES customers (id),
  interaction_id BIGINT REFERENCES interactions (id),
  external_ref TEXT UNIQUE,
  kind TEXT NOT NULL CHECK (kind IN ('request', 'message', 'callback', 'complaint')),
  category TEXT NOT NULL DEFAULT '',
  subject TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  priority TEXT NOT NULL DEFAULT 'normal' CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
  status TEXT NOT NULL DEFAULT 'new'
    CHECK (status IN ('new', 'open', 'pending', 'resolved', 'closed')),
  severity TEXT CHECK (severity IN ('minor', 'major', 'critical')),
  via_regulator INTEGER NOT NULL DEFAULT 0 CHECK (via_regulator IN (0, 1)),
  assignee_agent_id BIGINT REFERENCES agents (id),
  assignee_name TEXT,
  due_ms BIGINT,
  resolution TEXT,
  created_ms BIGINT NOT NULL,
  updated_ms BIGINT NOT NULL,
  resolved_ms BIGINT,
  CHECK (kind = 'complaint' OR (severity IS NULL AND via_regulator = 0))
);
CREATE INDEX tickets_customer_idx ON tickets (customer_id, created_ms);
CREATE INDEX tickets_status_idx ON tickets (status, updated_ms);

CREATE TABLE surveys (
  id BIGINT NOT NULL PRIMARY KEY,
  customer_id BIGINT REFERENCES customers (id),
  interaction_id BIGINT REFERENCES interactions (id),
  external_ref TEXT UNIQUE,
  kind TEXT NOT NULL CHECK (kind IN ('csat', 'nps', 'ces')),
  channel TEXT NOT NULL CHECK (channel IN
    ('voice', 'chat', 'app', 'wechat', 'weibo', 'email', 'sms')),
  score INTEGER NOT NULL CHECK (
    (kind = 'csat' AND score BETWEEN 1 AND 5) OR (kind = 'nps' AND score BETWEEN 0 AND 10) OR
    (kind = 'ces' AND score BETWEEN 1 AND 7)),
  comment TEXT,
  answered_ms BIGINT NOT NULL
);
CREATE INDEX surveys_customer_idx ON surveys (customer_id, answered_ms);

CREATE TABLE error_code_versions (
  code TEXT NOT NULL,
  version INTEGER NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('create', 'update', 'delete')),
  changed_by TEXT NOT NULL,
  changed_ms BIGINT NOT NULL,
  entry TEXT NOT NULL,
  PRIMARY KEY (code, version)
);
)sql";


// Migration 7 (SQLite only): customer_keys checks its kind with comparisons instead of
// IN (…). SQLite evaluates a CHECK (x IN (a, b, c)) of three or more values by building a small
// temporary index every time an INSERT or UPDATE statement runs, which cost 2.8 µs on each
// one-row insert (a 3,000,000-key import spends 8 s on it); `=` … OR … is the same constraint
// without that cost. SQLite cannot change a CHECK in place, so the table is rebuilt (its
// rows, its index; nothing references it). PostgreSQL evaluates IN lists without that cost and
// keeps its table. New tables should write such checks with = … OR …, or keep them to two
// values.
constexpr std::string_view kKeyKindCheckSqlite = R"sql(
CREATE TABLE customer_keys_new (
  kind TEXT NOT NULL CHECK (kind = 'mobile' OR kind = 'email' OR kind = 'id_number' OR
    kind = 'wechat_openid' OR kind = 'weibo_id' OR kind = 'app_user_id'),
  key TEXT NOT NULL,
  customer_id BIGINT NOT NULL REFERENCES customers (id),
  value TEXT,
  created_ms BIGINT NOT NULL,
  PRIMARY KEY (kind, key)
);
INSERT INTO customer_keys_new (kind, key, customer_id, value, created_ms)
  SELECT kind, key, customer_id, value, created_ms FROM customer_keys ORDER BY kind, key;
DROP TABLE customer_keys;
ALTER TABLE customer_keys_new RENAME TO customer_keys;
CREATE INDEX customer_keys_customer_idx ON customer_keys (customer_id);
)sql";
constexpr std::string_view kNothingPostgres = "SELECT 1";

constexpr Migration kMigrations[] = {
    {.version = 1, .name = "foundation", .sql = kFoundationSql},
    {.version = 2, .name = "accounts and audit", .sql = kAccountsSql},
    {.version = 3,
     .name = "audit log is append-only",
     .sql = kAuditAppendOnlySqlite,
     .postgres_sql = kAuditAppendOnlyPostgres},
    {.version = 4, .name = "customer model", .sql = kCustomerModelSql},
    {.version = 5, .name = "knowledge base", .sql = kKnowledgeBaseSql},
    {.version = 6, .name = "service history", .sql = kServiceHistorySql},
    {.version = 7,
     .name = "customer key kinds checked without IN",
     .sql = kKeyKindCheckSqlite,
     .postgres_sql = kNothingPostgres},
};

}  // namespace

std::span<const Migration> KefuMigrations() { return kMigrations; }

}  // namespace kefu::store
