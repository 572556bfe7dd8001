// Browser test of the knowledge page (知识库, #7) against a real `kefu serve` started by run.sh:
// an agent searches with a vague description, sees highlighted hits, opens one, keeps it as a
// favourite and looks up an activity code; a supervisor creates an FAQ in the edit form.
//
// Every wait is a condition with a timeout, never a fixed sleep.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { kScreenshotDir, kTimeoutMs, launchBrowser, mustEnv } from './lib.mjs';

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

async function openPage(t) {
  const context = await browser.newContext({
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    viewport: { width: 1366, height: 900 },
  });
  context.setDefaultTimeout(kTimeoutMs);
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/Failed to load resource/.test(msg.text())) {
      problems.push(`console error: ${msg.text()}`);
    }
  });
  t.after(async () => {
    await context.close();
  });
  return { page, problems };
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
