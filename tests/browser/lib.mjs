// Shared set-up of the browser tests (run through tests/browser/run.sh): environment, and
// Debian's Chromium driven by playwright-core from the web UI's packages (web/node_modules).

import { createRequire } from 'node:module';

const require = createRequire(new URL('../../web/package.json', import.meta.url));
const { chromium } = require('playwright-core');

export const kScreenshotDir = process.env.KEFU_SCREENSHOT_DIR || '/tmp';
export const kTimeoutMs = 15000;
const kChromium = process.env.KEFU_CHROMIUM || '/usr/bin/chromium';

export function mustEnv(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (start this test through tests/browser/run.sh)`);
  return value;
}

/**
 * A fresh browser context (no cookies, no localStorage), closed when test `t` ends, and a page
 * whose exceptions and console errors land in `problems`. The browser logs every non-2xx
 * response (the expected 401 of /auth/me before login, failed logins); anything else logged as
 * an error — an exception, a CSP violation, a missing asset — is a bug.
 */
export async function openPage(browser, t, viewport) {
  const context = await browser.newContext({ locale: 'zh-CN', timezoneId: 'Asia/Shanghai', viewport });
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
  return { context, page, problems };
}

// launch() gives Chromium a fresh temporary --user-data-dir of its own (under $TMPDIR, which
// run.sh points at its temp dir) and removes it on close; Playwright refuses a --user-data-dir
// in args, so none is passed here.
export function launchBrowser() {
  return chromium.launch({
    executablePath: kChromium,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
