// Browser test of the customer page (#6) against a real `kefu serve` (started by run.sh): a
// supervisor imports a CSV through the upload, finds a customer, opens the 360 view, records a
// follow-up, sees the service history the bank's feed sent (contacts, an open ticket, a
// complaint, NPS), changes the customer's mobile, and turns an unknown caller into a prospect.
// Conditions with timeouts, no sleeps.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { kScreenshotDir, launchBrowser, mustEnv } from './lib.mjs';

const kUrl = mustEnv('KEFU_URL');
const kSupervisorPassword = mustEnv('KEFU_SUPERVISOR_PASSWORD');
const kIngestToken = mustEnv('KEFU_INGEST_TOKEN');

// POST /api/v1/ingest/{kind} as the bank's systems do.
async function ingest(kind, items) {
  const response = await fetch(`${kUrl}/api/v1/ingest/${kind}`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Authorization: `Bearer ${kIngestToken}`,
      'Idempotency-Key': `browser-${kind}-${Date.now()}`,
    },
    body: JSON.stringify({ items }),
  });
  const body = await response.json();
  assert.equal(response.status, 200, JSON.stringify(body));
  assert.equal(body.rejected, 0, JSON.stringify(body));
}

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

test('a supervisor imports customers, opens the 360 view and records a follow-up', async (t) => {
  const context = await browser.newContext({
    locale: 'zh-CN', timezoneId: 'Asia/Shanghai', viewport: { width: 1400, height: 900 },
  });
  context.setDefaultTimeout(15000);
  t.after(() => context.close());
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));

  await page.goto(`${kUrl}/login`);
  await page.getByTestId('login-username').fill('sup1');
  await page.getByTestId('login-password').fill(kSupervisorPassword);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('nav-customers').filter({ hasText: '客户' }).click();
  await page.waitForURL(/\/customers$/);

  // The upload: one good row, one bad mobile, one duplicate of the first.
  const csv = '姓名,手机号码,资产(元),标签,客户号\n' +
              '浏览器甲,13566660001,80000,代发工资,BR0001\n' +
              '浏览器乙,123,,,\n' +
              '浏览器甲,13566660001,,,\n';
  await page.getByTestId('import-file').setInputFiles({
    name: '客户.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8'),
  });
  const result = page.getByTestId('import-result');
  await result.getByText('新增 1').waitFor();
  await result.getByText('拒绝 1').waitFor();
  const issues = page.getByTestId('import-issues');
  await issues.getByText('手机号码').first().waitFor();

  // Search by name, open the 360 view: masked mobile, tier from the assets, the tag.
  await page.getByTestId('customer-query').fill('浏览器');
  await page.getByTestId('customer-search').click();
  const results = page.getByTestId('customer-results');
  await results.getByText('浏览器甲').waitFor();
  await results.getByRole('button', { name: '查看' }).first().click();
  const view = page.getByTestId('customer-360');
  await view.getByTestId('c360-name').filter({ hasText: '浏览器甲' }).waitFor();
  assert.equal(await view.getByTestId('c360-mobile').innerText(), '135****0001');
  await view.getByText('金卡').first().waitFor();
  await view.getByTestId('c360-tag').filter({ hasText: '代发工资' }).waitFor();

  // The feed sends the history from the bank's old system; reopening shows it first.
  const now = Date.now();
  await ingest('interactions', [{
    cif: 'BR0001', external_ref: 'BR-C1', channel: 'wechat', agent_name: '老系统坐席',
    summary: '咨询分期手续费', started_ms: now - 3_600_000, ended_ms: now - 3_000_000,
  }]);
  await ingest('tickets', [
    { cif: 'BR0001', external_ref: 'BR-T1', interaction_ref: 'BR-C1', kind: 'callback',
      subject: '回电说明分期费率', status: 'open', created_ms: now - 3_000_000 },
    { cif: 'BR0001', external_ref: 'BR-T2', kind: 'complaint', subject: '年费未经告知被扣收',
      severity: 'major', via_regulator: true, status: 'open', created_ms: now - 86_400_000 },
  ]);
  await ingest('surveys', [{ cif: 'BR0001', external_ref: 'BR-S1', kind: 'nps', channel: 'wechat',
                             score: 4, answered_ms: now - 2_000_000 }]);
  await page.getByTestId('customer-search').click();
  await results.getByRole('button', { name: '查看' }).first().click();
  await view.getByTestId('c360-open-tickets').filter({ hasText: '未结工单 2' }).waitFor();
  await view.getByTestId('c360-complaints').filter({ hasText: '近一年投诉 1' }).waitFor();
  await view.getByTestId('c360-nps').filter({ hasText: '4' }).waitFor();
  await view.getByTestId('c360-contacts').getByText('咨询分期手续费').waitFor();
  await view.getByTestId('c360-contacts').getByText('微信').waitFor();
  await view.getByRole('tab', { name: '工单与投诉' }).click();
  await view.getByTestId('c360-tickets').getByText('回电说明分期费率').waitFor();
  await view.getByTestId('c360-complaint-list').getByText('监管转办').waitFor();
  await page.screenshot({ path: path.join(kScreenshotDir, 'kefu-customer-360.png'), fullPage: true });

  // A new mobile replaces the old one: the 360 shows it masked, the old number is unknown.
  await view.getByTestId('c360-edit').click();
  await page.getByTestId('edit-mobile').fill('135 6666 0002');
  await page.getByTestId('edit-save').click();
  await page.getByTestId('customer-notice').filter({ hasText: '已保存' }).waitFor();
  await view.getByTestId('c360-mobile').filter({ hasText: '135****0002' }).waitFor();

  // A follow-up appears in the list.
  await view.getByRole('tab', { name: '跟进记录' }).click();
  await page.getByTestId('followup-content').fill('客户咨询分期手续费');
  await page.getByTestId('followup-next').fill('周五回电');
  await page.getByTestId('followup-add').click();
  await page.getByTestId('followup-list').getByText('客户咨询分期手续费').waitFor();

  // An unknown caller (the old mobile is unknown now): offer and create the prospect, which
  // opens its 360 view.
  await page.getByTestId('customer-query').fill('13566660001');
  await page.getByTestId('customer-search').click();
  await page.getByTestId('unknown-caller').waitFor();
  await page.getByTestId('create-prospect').click();
  await view.getByTestId('c360-name').filter({ hasText: '未知来电' }).waitFor();

  await page.screenshot({ path: path.join(kScreenshotDir, 'kefu-customers.png'), fullPage: true });
  assert.deepEqual(problems, []);
});
