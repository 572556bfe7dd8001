// Browser test of the knowledge page (知识库, #7) against a real `kefu serve` started by run.sh:
// an agent searches with a vague description, sees highlighted hits, opens one, keeps it as a
// favourite and looks up an activity code; a supervisor creates an FAQ in the edit form.
//
// Every wait is a condition with a timeout, never a fixed sleep.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { kScreenshotDir, launchBrowser, mustEnv, openPage as openPageIn } from './lib.mjs';

const kUrl = mustEnv('KEFU_URL');
const kAgentPassword = mustEnv('KEFU_AGENT_PASSWORD');
const kSupervisorPassword = mustEnv('KEFU_SUPERVISOR_PASSWORD');

let browser;

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

function openPage(t) {
  return openPageIn(browser, t, { width: 1366, height: 900 });
}

async function login(page, username, password) {
  await page.goto(`${kUrl}/login`);
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
  await page.waitForURL((url) => !url.pathname.startsWith('/login'));
}

/** A state-changing API call as `username`, from Node. */
async function apiAs(username, password, method, apiPath, body) {
  const res = await fetch(`${kUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const me = await res.json();
  assert.equal(res.status, 200, JSON.stringify(me));
  const cookie = /kefu_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')[1];
  const out = await fetch(`${kUrl}/api/v1${apiPath}`, {
    method,
    headers: {
      'Content-Type': 'application/json',
      Cookie: `kefu_session=${cookie}`,
      'X-CSRF-Token': me.csrf_token,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await out.text();
  return { status: out.status, body: text ? JSON.parse(text) : null };
}

async function screenshot(page, name) {
  const file = path.join(kScreenshotDir, name);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`screenshot: ${file}`);
}

before(async () => {
  // Content for the agent to find: last month's campaign in 广东 and a current FAQ.
  const now = new Date();
  const lastMonth = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1) - 8 * 3600_000;
  const thisMonth = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1) - 8 * 3600_000;
  const activity = await apiAs('sup1', kSupervisorPassword, 'POST', '/kb/entries', {
    kind: 'activity',
    code: 'BT2610NB',
    title: '刷卡满1000元抽奖送笔记本电脑',
    terms: '活动期间单笔刷卡满1000元获1次抽奖机会。',
    regions: ['广东'],
    card_types: ['金卡'],
    valid_from_ms: lastMonth,
    valid_to_ms: thisMonth,
    sms_text: '【鑫城银行】刷卡满1000元抽笔记本电脑，活动代码BT2610NB。',
  });
  assert.equal(activity.status, 201, JSON.stringify(activity.body));
  const faq = await apiAs('sup1', kSupervisorPassword, 'POST', '/kb/entries', {
    kind: 'faq',
    title: '银行卡丢了怎么挂失',
    similar_questions: ['卡丢了怎么办'],
    body: '请立即通过手机银行或客服热线临时挂失，再到网点办理正式挂失。',
    visibility: 'customer',
  });
  assert.equal(faq.status, 201, JSON.stringify(faq.body));
});

test('an agent finds last month\'s campaign from a vague description', async (t) => {
  const { page, problems } = await openPage(t);
  await login(page, 'agent1', kAgentPassword);
  await page.getByTestId('nav-kb').filter({ hasText: '知识库' }).click();
  await page.waitForURL(/\/kb$/);
  assert.equal(await page.getByTestId('kb-new').count(), 0, 'an agent cannot create entries');

  await page.getByTestId('kb-search-input').fill('上个月刷卡满1000送笔记本的那个活动');
  await page.getByTestId('kb-region').fill('广东');
  await page.getByTestId('kb-search-submit').click();
  await page.getByTestId('kb-window').filter({ hasText: '上个月' }).waitFor();
  const first = page.getByTestId('kb-hit').first();
  await first.filter({ hasText: 'BT2610NB' }).waitFor();
  assert.match(await first.innerText(), /时间吻合/);
  assert.match(await first.innerText(), /本地区/);
  assert.ok((await first.innerHTML()).includes('<em>'), 'matches are highlighted');

  await first.click();
  await page.getByTestId('kb-preview-title').filter({ hasText: '刷卡满1000元抽奖送笔记本电脑' })
    .waitFor();
  await page.getByTestId('kb-favourite').filter({ hasText: '收藏' }).click();
  await page.getByTestId('kb-favourite').filter({ hasText: '取消收藏' }).waitFor();
  await page.getByTestId('kb-tab-favourites').click();
  await page.getByTestId('kb-favourite-item').filter({ hasText: '送笔记本' }).waitFor();
  await screenshot(page, 'kefu-kb-search.png');

  // Exact code lookup: an activity code typed in lower case.
  await page.getByTestId('kb-code-input').fill('bt2610nb');
  await page.getByTestId('kb-code-submit').click();
  await page.getByTestId('kb-preview').filter({ hasText: '活动代码BT2610NB' }).waitFor();

  // Traditional Chinese in, simplified content out.
  await page.getByTestId('kb-search-input').fill('銀行卡丟了怎麼掛失');
  await page.getByTestId('kb-region').fill('');
  await page.getByTestId('kb-search-submit').click();
  await page.getByTestId('kb-hit').first().filter({ hasText: '银行卡丢了怎么挂失' }).waitFor();
  assert.deepEqual(problems, []);
});

test('a supervisor creates an FAQ in the edit form and finds it', async (t) => {
  const { page, problems } = await openPage(t);
  await login(page, 'sup1', kSupervisorPassword);
  await page.goto(`${kUrl}/kb`);
  await page.getByTestId('kb-new').click();
  const dialog = page.getByTestId('kb-edit-dialog');
  await dialog.getByTestId('kb-form-title').fill('ETC 怎么办理');
  await dialog.getByTestId('kb-form-similar').fill('怎么申请ETC\n高速ETC办理');
  await dialog.getByTestId('kb-form-body').fill('在手机银行“车主服务-ETC”在线申请，设备包邮到家。');
  await page.getByTestId('kb-save').click();
  await page.getByTestId('kb-preview-title').filter({ hasText: 'ETC 怎么办理' }).waitFor();

  await page.getByTestId('kb-search-input').fill('高速 ETC 在哪申请');
  await page.getByTestId('kb-search-submit').click();
  await page.getByTestId('kb-hit').first().filter({ hasText: 'ETC 怎么办理' }).waitFor();

  // Edit: a new version, shown in the history.
  await page.getByTestId('kb-hit').first().click();
  await page.getByTestId('kb-edit').click();
  await dialog.getByTestId('kb-form-body').fill('手机银行或网点均可申请 ETC。');
  await page.getByTestId('kb-save').click();
  await page.getByTestId('kb-preview-body').filter({ hasText: '网点均可申请' }).waitFor();
  await page.getByTestId('kb-versions').click();
  await page.getByTestId('kb-version-list').filter({ hasText: 'v2' }).waitFor();
  assert.match(await page.getByTestId('kb-version-list').innerText(), /sup1/);
  await screenshot(page, 'kefu-kb-edit.png');
  assert.deepEqual(problems, []);
});

/** A call of the bank's data feed (run.sh makes a token with ingest.write). */
async function ingest(kind, key, items) {
  const res = await fetch(`${kUrl}/api/v1/ingest/${kind}`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Authorization: `Bearer ${mustEnv('KEFU_INGEST_TOKEN')}`,
      'Idempotency-Key': key,
    },
    body: JSON.stringify({ items }),
  });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.equal(body.accepted, items.length, JSON.stringify(body));
}

test('a supervisor browses by category and links related entries', async (t) => {
  for (const [title, body] of [['信用卡怎么激活', '在手机银行“信用卡-激活”办理。'],
                               ['信用卡怎么设置交易密码', '激活后在手机银行设置交易密码。']]) {
    const out = await apiAs('sup1', kSupervisorPassword, 'POST', '/kb/entries',
                            { kind: 'faq', title, body, category: '信用卡' });
    assert.equal(out.status, 201, JSON.stringify(out.body));
  }
  const loose = await apiAs('sup1', kSupervisorPassword, 'POST', '/kb/entries',
                            { kind: 'faq', title: '浏览测试未分类条目', body: '没有分类。' });
  assert.equal(loose.status, 201, JSON.stringify(loose.body));
  const { page, problems } = await openPage(t);
  await login(page, 'sup1', kSupervisorPassword);
  await page.goto(`${kUrl}/kb`);

  // The category list counts entries; a category filters the paged list.
  const category = page.getByTestId('kb-category').filter({ hasText: '信用卡' });
  assert.match(await category.innerText(), /2/);
  await category.click();
  await page.getByTestId('kb-browse-head').filter({ hasText: '信用卡' }).waitFor();
  await page.getByTestId('kb-browse-item').nth(1).waitFor();
  assert.equal(await page.getByTestId('kb-browse-item').count(), 2);

  // The 未分类 node of a kind opens its entries without a category, and only those.
  const none = page.getByTestId('kb-category').filter({ hasText: '未分类' }).first();
  const noneCount = Number((await none.innerText()).match(/(\d+)\s*$/)[1]);
  await none.click();
  await page.getByTestId('kb-browse-head').filter({ hasText: '未分类' }).waitFor();
  await page.getByTestId('kb-browse-head').filter({ hasText: `· ${noneCount}` }).waitFor();
  await page.getByTestId('kb-browse-item').filter({ hasText: '浏览测试未分类条目' }).waitFor();
  assert.equal(await page.getByTestId('kb-browse-item').filter({ hasText: '信用卡怎么' }).count(),
               0);
  await category.click();
  await page.getByTestId('kb-browse-head').filter({ hasText: '信用卡' }).waitFor();
  await page.getByTestId('kb-browse-item').nth(1).waitFor();

  // Link a related entry in the editor, picked by searching its title.
  await page.getByTestId('kb-browse-item').filter({ hasText: '信用卡怎么激活' }).click();
  await page.getByTestId('kb-preview-title').filter({ hasText: '信用卡怎么激活' }).waitFor();
  await page.getByTestId('kb-edit').click();
  const dialog = page.getByTestId('kb-edit-dialog');
  await dialog.getByTestId('kb-form-related').click();
  await page.keyboard.type('设置交易密码');
  await page.locator('.el-select-dropdown__item').filter({ hasText: '信用卡怎么设置交易密码' })
    .click();
  await dialog.locator('.el-dialog__title').click();
  await page.getByTestId('kb-save').click();
  const link = page.getByTestId('kb-related-link').filter({ hasText: '信用卡怎么设置交易密码' });
  await link.waitFor();
  await screenshot(page, 'kefu-kb-related.png');
  await link.click();
  await page.getByTestId('kb-preview-title').filter({ hasText: '信用卡怎么设置交易密码' })
    .waitFor();
  await screenshot(page, 'kefu-kb-related-open.png');
  assert.deepEqual(problems, []);
});

test('a supervisor adds, edits and deletes error codes and sees their history', async (t) => {
  // A code a transaction names: deleting it must be refused with a clear reason.
  const used = await apiAs('sup1', kSupervisorPassword, 'PUT', '/kb/error-codes/BT-E02', {
    reason: '卡片已冻结', advice: '请客户携带身份证到网点解冻。', category: '卡片', create: true,
  });
  assert.equal(used.status, 201, JSON.stringify(used.body));
  await ingest('customers', 'kb-bt-c1', [{ cif: 'KBBT0001', name: '错误码客户' }]);
  await ingest('transactions', 'kb-bt-t1', [{
    cif: 'KBBT0001', external_ref: 'KBBT-T1', kind: 'purchase', direction: 'out',
    amount_fen: 100, channel: 'pos', status: 'failed', error_code: 'BT-E02',
    occurred_ms: Date.now(),
  }]);

  const { page, problems } = await openPage(t);
  await login(page, 'sup1', kSupervisorPassword);
  await page.goto(`${kUrl}/kb`);
  await page.getByTestId('kb-section-error-codes').click();
  const table = page.getByTestId('kb-ec-table');
  await table.locator('tr').filter({ hasText: 'BT-E02' }).waitFor();

  // Add.
  await page.getByTestId('kb-ec-new').click();
  const dialog = page.getByTestId('kb-ec-dialog');
  await dialog.getByTestId('kb-ec-form-code').fill('bt-e01');
  await dialog.getByTestId('kb-ec-form-reason').fill('超过单日限额');
  await dialog.getByTestId('kb-ec-form-advice').fill('请客户次日再试。');
  await dialog.getByTestId('kb-ec-form-category').fill('限额');
  await page.getByTestId('kb-ec-save').click();
  const row = table.locator('tr').filter({ hasText: 'BT-E01' });
  await row.filter({ hasText: '请客户次日再试' }).waitFor();
  assert.match(await row.innerText(), /v1/);

  // A bad edit names the field; a good one makes version 2.
  await row.getByTestId('kb-ec-edit').click();
  await dialog.getByTestId('kb-ec-form-reason').fill('');
  await page.getByTestId('kb-ec-save').click();
  await page.getByTestId('kb-ec-edit-error').filter({ hasText: '原因' }).waitFor();
  await dialog.getByTestId('kb-ec-form-reason').fill('超过单日交易限额');
  await dialog.getByTestId('kb-ec-form-advice')
    .fill('请客户在手机银行调高限额或次日再试。');
  await page.getByTestId('kb-ec-save').click();
  await row.filter({ hasText: '调高限额' }).waitFor();
  assert.match(await row.innerText(), /v2/);

  // History.
  await row.getByTestId('kb-ec-history').click();
  const history = page.getByTestId('kb-ec-version');
  await history.nth(1).waitFor();
  await page.getByTestId('kb-ec-history-dialog').waitFor();
  assert.match(await history.nth(0).innerText(), /v2.*修改.*sup1/s);
  assert.match(await history.nth(1).innerText(), /请客户次日再试/);
  await screenshot(page, 'kefu-kb-error-codes.png');
  await page.keyboard.press('Escape');
  await page.getByTestId('kb-ec-history-dialog').waitFor({ state: 'hidden' });

  // The code a transaction names cannot be deleted; the new one can.
  await table.locator('tr').filter({ hasText: 'BT-E02' }).getByTestId('kb-ec-delete').click();
  await page.locator('.el-message-box__btns .el-button--primary').click();
  await page.getByTestId('kb-ec-error').filter({ hasText: '不能删除' }).waitFor();
  await row.getByTestId('kb-ec-delete').click();
  await page.locator('.el-message-box__btns .el-button--primary').click();
  await row.waitFor({ state: 'detached' });
  assert.equal(await table.locator('tr').filter({ hasText: 'BT-E02' }).count(), 1);
  assert.deepEqual(problems, []);
});

test('a supervisor checks and imports a file, then exports', async (t) => {
  const { page, problems } = await openPage(t);
  await login(page, 'sup1', kSupervisorPassword);
  await page.goto(`${kUrl}/kb`);
  await page.getByTestId('kb-import').click();
  const file = {
    name: '知识库.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify([
      { kind: 'phrase', title: '导入的结束语', shortcut: '/js', body: '感谢您的来电，再见。',
        category: '导入测试' },
      { kind: 'faq', title: '', body: '没有标题的问题' },
    ])),
  };
  await page.getByTestId('kb-import-file').setInputFiles(file);
  await page.getByTestId('kb-import-dry-run').click();
  await page.getByTestId('kb-import-submit').filter({ hasText: '开始检查' }).click();
  const report = page.getByTestId('kb-import-report');
  await report.filter({ hasText: '仅检查' }).waitFor();
  assert.match(await page.getByTestId('kb-report-inserted').innerText(), /1/);
  assert.match(await page.getByTestId('kb-report-rejected').innerText(), /1/);
  assert.match(await page.getByTestId('kb-import-issues').innerText(), /title/);

  await page.getByTestId('kb-import-dry-run').click();
  await page.getByTestId('kb-import-submit').filter({ hasText: '开始导入' }).click();
  await report.filter({ hasNotText: '仅检查' }).waitFor();
  assert.match(await page.getByTestId('kb-report-inserted').innerText(), /新增 1/);
  await screenshot(page, 'kefu-kb-import.png');
  await page.keyboard.press('Escape');
  await page.getByTestId('kb-category').filter({ hasText: '导入测试' }).click();
  await page.getByTestId('kb-browse-item').filter({ hasText: '导入的结束语' }).waitFor();

  for (const [button, name] of [['kb-export-xlsx', 'knowledge-base.xlsx'],
                                ['kb-export-json', 'knowledge-base.json']]) {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId(button).click(),
    ]);
    assert.equal(download.suggestedFilename(), name);
  }
  assert.deepEqual(problems, []);
});
