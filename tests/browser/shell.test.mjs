// Browser test of kefu's web shell against a real `kefu serve` (started by run.sh), driving
// Debian's Chromium through playwright-core. Run with `node --test`; needs KEFU_URL and the
// passwords run.sh sets (KEFU_AGENT_PASSWORD, KEFU_LOCKED_PASSWORD, KEFU_SUPERVISOR_PASSWORD).
//
// Every wait below is a condition with a timeout (a locator or URL that must appear), never a
// fixed sleep, and every check fails when the UI shows the wrong thing.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { kScreenshotDir, launchBrowser, mustEnv, openPage as openPageIn } from './lib.mjs';

const kUrl = mustEnv('KEFU_URL');
const kAgentPassword = mustEnv('KEFU_AGENT_PASSWORD');
const kLockedPassword = mustEnv('KEFU_LOCKED_PASSWORD');
const kSupervisorPassword = mustEnv('KEFU_SUPERVISOR_PASSWORD');

let browser;

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

/** A page (see lib.mjs) that also records any request not served by kefu itself. */
async function openPage(t) {
  const opened = await openPageIn(browser, t, { width: 1280, height: 800 });
  opened.page.on('request', (req) => {
    // Everything must come from kefu itself: no CDN, no web fonts.
    if (!req.url().startsWith(kUrl) && !req.url().startsWith('data:')) {
      opened.problems.push(`request outside kefu: ${req.url()}`);
    }
  });
  return opened;
}

async function login(page, username, password) {
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
}

async function screenshot(page, name) {
  const file = path.join(kScreenshotDir, name);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`screenshot: ${file}`);
}

/** Signs in through the API from Node; returns what a later state-changing call needs. */
async function apiLogin(username, password) {
  const res = await fetch(`${kUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const body = await res.json();
  assert.equal(res.status, 200, `login ${username}: ${JSON.stringify(body)}`);
  const cookie = /kefu_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '');
  assert.ok(cookie, 'login sets the kefu_session cookie');
  return { cookie: `kefu_session=${cookie[1]}`, csrf: body.csrf_token };
}

test('an agent sees the agent navigation, switches to 繁體 and logs out', async (t) => {
  const { context, page, problems } = await openPage(t);

  // Signed out, the app sends every page to the login form (the deep link also needs the
  // server's SPA fallback to serve index.html for /desktop).
  await page.goto(`${kUrl}/desktop`);
  await page.waitForURL(/\/login(\?|$)/);
  await page.getByTestId('login-submit').filter({ hasText: '登录' }).waitFor();
  await page.getByTestId('lang-zh-TW').waitFor();

  await login(page, 'agent1', kAgentPassword);
  await page.waitForURL(/\/desktop$/);
  await page.getByTestId('nav-desktop').filter({ hasText: '工作台' }).waitFor();
  assert.equal(await page.getByTestId('nav-users').count(), 0, 'an agent has no 用户管理');
  assert.equal(await page.getByTestId('nav-audit').count(), 0, 'an agent has no 审计日志');
  assert.equal(await page.getByTestId('nav-broadcast').count(), 0, 'an agent has no 发布公告');
  assert.equal((await page.getByTestId('user-name').innerText()).trim(), '王小明');
  assert.equal((await page.getByTestId('user-role').innerText()).trim(), '座席');
  await page.getByTestId('logout').filter({ hasText: '退出登录' }).waitFor();

  // The session cookie is out of JavaScript's reach and never sent cross-site.
  const cookie = (await context.cookies()).find((c) => c.name === 'kefu_session');
  assert.ok(cookie, 'kefu_session cookie is set');
  assert.equal(cookie.httpOnly, true, 'kefu_session is HttpOnly');
  assert.equal(cookie.sameSite, 'Strict', 'kefu_session is SameSite=Strict');
  assert.ok(!(await page.evaluate(() => document.cookie)).includes('kefu_session'));

  // A page the role may not open sends the agent back to the desktop.
  await page.goto(`${kUrl}/users`);
  await page.waitForURL(/\/desktop$/);
  await page.getByTestId('nav-desktop').waitFor();
  await screenshot(page, 'kefu-shell.png');

  await page.getByTestId('lang-zh-TW').click();
  await page.getByTestId('nav-desktop').filter({ hasText: '工作臺' }).waitFor();
  await page.getByTestId('logout').filter({ hasText: '登出' }).waitFor();
  assert.equal((await page.getByTestId('user-role').innerText()).trim(), '客服專員');
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-TW');

  // The choice survives a reload (localStorage), and the session does too (cookie).
  await page.reload();
  await page.getByTestId('nav-desktop').filter({ hasText: '工作臺' }).waitFor();
  await screenshot(page, 'kefu-shell-zh-TW.png');

  await page.getByTestId('logout').click();
  await page.waitForURL(/\/login(\?|$)/);
  await page.getByTestId('login-submit').filter({ hasText: '登入' }).waitFor();

  // Logged out for real: the old session no longer opens the desktop.
  await page.goto(`${kUrl}/desktop`);
  await page.waitForURL(/\/login(\?|$)/);
  await page.getByTestId('lang-zh-CN').click();
  await page.getByTestId('login-submit').filter({ hasText: '登录' }).waitFor();

  assert.deepEqual(problems, []);
});

test('a wrong password shows 用户名或密码错误', async (t) => {
  const { page, problems } = await openPage(t);
  await page.goto(`${kUrl}/login`);
  await login(page, 'agent1', `${kAgentPassword}-wrong`);
  const error = page.getByTestId('login-error');
  await error.filter({ hasText: '用户名或密码错误' }).waitFor();
  assert.match(page.url(), /\/login/);
  assert.equal(await page.getByTestId('nav-desktop').count(), 0);

  // The message follows the language switch.
  await page.getByTestId('lang-zh-TW').click();
  await error.filter({ hasText: '帳號或密碼錯誤' }).waitFor();
  assert.deepEqual(problems, []);
});

test('after 5 wrong passwords the account says it is locked', async (t) => {
  for (let i = 1; i <= 5; i++) {
    const res = await fetch(`${kUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'locked1', password: `wrong-password-${i}` }),
    });
    const body = await res.json();
    // The fifth failure may already answer "locked".
    const expected = i < 5 ? [401] : [401, 423];
    assert.ok(expected.includes(res.status), `attempt ${i}: ${res.status} ${JSON.stringify(body)}`);
    assert.ok(['invalid_credentials', 'account_locked'].includes(body?.error?.code),
              `attempt ${i}: ${JSON.stringify(body)}`);
  }

  const { page, problems } = await openPage(t);
  await page.goto(`${kUrl}/login`);
  await login(page, 'locked1', kLockedPassword);
  const error = page.getByTestId('login-error');
  await error.filter({ hasText: '锁定' }).waitFor();
  assert.match(await error.innerText(), /账户已锁定/);
  assert.match(page.url(), /\/login/);
  assert.equal(await page.getByTestId('nav-desktop').count(), 0);
  assert.deepEqual(problems, []);
});

test('the agent desktop receives a supervisor broadcast live', async (t) => {
  const { page, problems } = await openPage(t);
  // From the site root: the login page, then the agent's first page.
  await page.goto(`${kUrl}/`);
  await page.waitForURL(/\/login$/);
  await login(page, 'agent1', kAgentPassword);
  await page.waitForURL(/\/desktop$/);
  await page.locator('[data-testid="live-status"][data-status="connected"]')
    .filter({ hasText: '已连接' }).waitFor();

  const supervisor = await apiLogin('sup1', kSupervisorPassword);
  const text = `系统维护通知 ${Date.now()}：今晚 22:00 起暂停转账服务。`;
  const res = await fetch(`${kUrl}/api/v1/broadcasts`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Cookie: supervisor.cookie,
      'X-CSRF-Token': supervisor.csrf,
    },
    body: JSON.stringify({ topic: 'all', text }),
  });
  assert.equal(res.status, 201, `POST /broadcasts: ${await res.text()}`);

  const item = page.getByTestId('broadcast-item').filter({ hasText: text });
  await item.waitFor();
  assert.match(await item.innerText(), /李班长/);
  assert.equal(await page.getByTestId('broadcast-item').count(), 1, 'shown once, not repeated');
  await screenshot(page, 'kefu-desktop-broadcast.png');
  assert.deepEqual(problems, []);
});
