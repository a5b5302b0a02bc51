// mailflow's console in a real headless Chromium, against the built binary:
// an on-premises server that refuses connections is seen failing on the
// dashboard, understood, fixed (the domain becomes authoritative, an
// unknown recipient is refused over SMTP), and the fix undone; the
// connector validated stage by stage; the queue filtered and one message
// bounced; the language switched; log-out. Every page is saved as a
// screenshot at laptop and phone width.
//
// Needs MAILFLOW_BIN (the mailflow binary) and Debian's chromium; run it
// with scripts/browser-test.sh, which provides both.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Node, unusedTcpPort, unusedUdpPort, writeConfig } from './lib/node.mjs';
import { launch, screenshots } from './lib/browser.mjs';
import { rcptReply, send } from './lib/smtp.mjs';
import { eventually } from './lib/poll.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const targetDir = path.resolve(repo, process.env.CARGO_TARGET_DIR || 'target');
const artefacts = path.join(targetDir, 'browser-screenshots');
const binary = process.env.MAILFLOW_BIN || path.join(targetDir, 'debug', 'mailflow');

const SENDER = 'bob@example.test';
const STEP = { timeout: 60_000 };

let tmp;
let node;
let browser;
let page;
let queueId;
/** Pages wider than a phone's screen at phone width (they scroll sideways). */
const tooWide = [];

async function shoot(name) {
  const { widerThanPhone } = await screenshots(page, artefacts, name);
  if (widerThanPhone) tooWide.push(name);
}

async function open(pathAndQuery) {
  const response = await page.goto(`${node.consoleUrl}${pathAndQuery}`);
  assert.ok(response.ok(), `GET ${pathAndQuery}: ${response.status()}`);
}

/** Where the page is, without the origin. */
function here() {
  const url = new URL(page.url());
  return `${url.pathname}${url.search}`;
}

async function domainType(name) {
  const domains = await node.api('/api/v1/accepted-domains');
  return domains.find((domain) => domain.name === name)?.type;
}

/** Stops what was started, each part even when another fails. */
function stopAllNow() {
  if (node?.child.exitCode === null && node.child.signalCode === null) node.child.kill('SIGKILL');
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
}

// A run cut short from outside (the script's time limit) still leaves
// nothing behind.
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, () => {
    stopAllNow();
    process.exit(1);
  });
}

describe('the console in headless Chromium', () => {
  before(async () => {
    fs.rmSync(artefacts, { recursive: true, force: true });
    fs.mkdirSync(artefacts, { recursive: true });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mailflow-browser-'));
    const config = writeConfig(tmp, { onPremPort: await unusedTcpPort(), dnsPort: await unusedUdpPort() });
    node = await Node.start(binary, config, path.join(artefacts, 'mailflow.log'));
    const accepted = await send(node.smtpPort, SENDER, ['alice@contoso.test', 'zed@contoso.test'],
      'From: bob@example.test\nTo: alice@contoso.test, zed@contoso.test\nSubject: hello\n\nhello\n');
    queueId = accepted.text.split(/\s+/).pop().replace(/^<|>$/g, '');
    assert.match(queueId, /^\S+$/, accepted.text);
    ({ context: browser, page } = await launch(path.join(tmp, 'profile')));
  });

  after(async () => {
    const problems = [];
    for (const stop of [() => browser?.close(), () => node?.stop()]) {
      try {
        await stop();
      } catch (error) {
        problems.push(error);
      }
    }
    stopAllNow();
    if (problems.length > 0) throw problems[0];
  });

  it('refuses a wrong token and logs in with the admin token', STEP, async () => {
    await open('/');
    assert.equal(new URL(page.url()).pathname, '/login', 'a reader without a session is sent to log in');
    await shoot('login');
    await page.fill('#token', 'mft_not-a-token');
    await page.click('form[action="/login"] button[type=submit]');
    await page.locator('#refused').waitFor();
    assert.equal(await page.locator('#token').getAttribute('aria-invalid'), 'true');
    await page.fill('#token', node.token);
    await page.click('form[action="/login"] button[type=submit]');
    await page.waitForURL(`${node.consoleUrl}/`);
    await page.locator('form.logout').waitFor();
  });

  it('shows the to-onprem card failing with 4.4.316, its cause and its fix', STEP, async () => {
    const card = page.locator('article.card', { has: page.locator('#card-to-onprem') });
    await eventually('the to-onprem card to say Failing with 4.4.316', async () => {
      await open('/');
      return (await card.locator('.status.failing').count()) === 1
        && (await card.locator('.code .badge').textContent())?.trim() === '4.4.316';
    }, { timeoutMs: 45_000, everyMs: 500 });
    assert.equal((await card.locator('header .status').textContent()).trim(), 'Failing');
    assert.match(await card.locator('p.code').textContent(), /Connection refused/);
    assert.ok((await card.locator('p.summary').textContent()).trim().length > 0, 'a plain-language summary');
    assert.equal(await card.locator('a[href="/fixes/stop-relaying:to-onprem"]').count(), 1);
    await shoot('dashboard');
  });

  it('has the skip link as the first Tab stop, and it moves focus to main', STEP, async () => {
    await open('/');
    await page.keyboard.press('Tab');
    const first = await page.evaluate(() => ({
      tag: document.activeElement.tagName,
      className: document.activeElement.className,
      href: document.activeElement.getAttribute('href'),
    }));
    assert.deepEqual(first, { tag: 'A', className: 'skip', href: '#main' });
    await page.keyboard.press('Enter');
    await eventually('focus on main', () => page.evaluate(() => document.activeElement.id === 'main'), { timeoutMs: 5_000 });
  });

  it('previews and applies stop-relaying: contoso.test is authoritative, an unknown recipient is refused with 550', STEP, async () => {
    await open('/');
    await page.click('#live a[href="/fixes/stop-relaying:to-onprem"]');
    await page.waitForURL(/\/fixes\/stop-relaying:to-onprem$/);
    const change = page.locator('dd li', { hasText: 'contoso.test' });
    assert.match(await change.textContent(), /contoso\.test: Internal relay → Authoritative/);
    assert.equal((await page.locator('#to-bounce').textContent()).trim(), '1', 'zed is not in the directory');
    assert.equal(await page.locator('dd li', { hasText: SENDER }).count(), 1, 'the sender who gets a report');
    await shoot('fix-preview');

    await page.click('form[action="/fixes/stop-relaying:to-onprem/apply"] button[type=submit]');
    await page.waitForURL(/\/audit\/\d+$/);
    assert.match(await page.locator('p.notice.ok').textContent(), /Applied: Stop relaying/);
    assert.match(await page.locator('h1').textContent(), /Stop relaying to on-premises — to-onprem/);
    await shoot('audit-entry');

    assert.equal(await domainType('contoso.test'), 'authoritative');
    const unknown = await rcptReply(node.smtpPort, SENDER, 'nobody@contoso.test');
    assert.equal(unknown.code, 550, unknown.text);
    const known = await rcptReply(node.smtpPort, SENDER, 'alice@contoso.test');
    assert.equal(known.code, 250, known.text);
  });

  it('undoes the fix: contoso.test is an internal relay again', STEP, async () => {
    assert.match(here(), /^\/audit\/\d+$/, 'still on the applied fix');
    const applied = here();
    await page.click('form[action$="/undo"] button[type=submit]');
    await page.waitForURL((url) => /^\/audit\/\d+$/.test(url.pathname) && url.pathname !== applied);
    assert.equal(await page.locator('p.notice.ok').count(), 1);
    assert.match(await page.locator('h1').textContent(), /Undo: Stop relaying to on-premises/);
    assert.equal(await domainType('contoso.test'), 'internal_relay');
    await open('/domains');
    const row = page.locator('tr', { has: page.locator('td', { hasText: /^contoso\.test$/ }) });
    assert.equal(await row.locator('td[data-kind]').getAttribute('data-kind'), 'internal_relay');
    assert.equal((await row.locator('td[data-kind]').textContent()).trim(), 'Internal relay');
    await shoot('domains');
    const unknown = await rcptReply(node.smtpPort, SENDER, 'nobody@contoso.test');
    assert.equal(unknown.code, 250, `relayed on to the on-premises server again: ${unknown.text}`);
  });

  it('validates to-onprem and shows the TCP stage failed after DNS passed', STEP, async () => {
    await open('/connectors/to-onprem');
    await page.click('form[action="/connectors/to-onprem/validate"] button[type=submit]');
    await page.locator('#validation').waitFor();
    assert.equal(await page.locator('#validation .verdict.failed').count(), 1);
    const stages = await page.locator('ol.stages li').evaluateAll((items) => items.map((li) => ({
      outcome: li.className,
      name: li.querySelector('.stage-name').textContent.trim(),
    })));
    const failed = stages.findIndex((stage) => stage.outcome === 'failed');
    assert.ok(failed > 0, JSON.stringify(stages));
    assert.equal(stages[failed].name, 'TCP connection', JSON.stringify(stages));
    assert.deepEqual(stages.slice(0, failed).map((s) => s.outcome), Array(failed).fill('passed'));
    assert.equal(stages[0].name, 'DNS');
    assert.ok(stages.slice(failed + 1).every((s) => s.outcome === 'not_reached'), JSON.stringify(stages));
    assert.match(await page.locator('ol.stages li.failed').textContent(), /4\.4\.316/);
    await shoot('connector');
  });

  it('filters the queue by connector and bounces one message from its page', STEP, async () => {
    await open('/queue');
    await page.fill('#f-connector', 'to-onprem');
    await page.click('form.filter button[type=submit]');
    await page.waitForURL(/\/queue\?.*connector=to-onprem/);
    assert.equal(await page.locator('#f-connector').inputValue(), 'to-onprem');
    const link = page.locator(`table.queue a[href="/messages/${queueId}"]`);
    assert.equal(await link.count(), 1, `message ${queueId} is listed`);
    await shoot('queue');

    await link.click();
    await page.waitForURL(new RegExp(`/messages/${queueId}$`));
    assert.match(await page.locator('table').first().textContent(), /alice@contoso\.test/);
    assert.ok((await page.locator('table span.state.deferred').count()) >= 1, 'alice is still queued');
    await shoot('message');

    let asked;
    page.once('dialog', async (dialog) => {
      asked = { type: dialog.type(), message: dialog.message() };
      await dialog.accept();
    });
    await page.click('button[name=action][value=bounce]');
    await page.locator('p.notice.ok').waitFor();
    assert.deepEqual(asked, { type: 'confirm', message: 'Bounce this message? Its sender gets a non-delivery report.' });
    assert.match(await page.locator('p.notice.ok').textContent(), /Bounce/);
    const states = await page.locator('table').first().locator('span.state').evaluateAll(
      (spans) => spans.map((span) => span.className));
    assert.ok(states.length === 2 && states.every((s) => s === 'state failed'), JSON.stringify(states));
  });

  it('shows the alerts, directory and settings pages', STEP, async () => {
    await open('/alerts');
    assert.equal((await page.locator('h1').textContent()).trim(), 'Alerts');
    await shoot('alerts');
    await open('/directory');
    assert.equal((await page.locator('h1').textContent()).trim(), 'Directory');
    assert.ok((await page.locator('main').textContent()).includes('alice@contoso.test'));
    await shoot('directory');
    await open('/settings');
    assert.equal((await page.locator('h1').textContent()).trim(), 'Settings');
    await shoot('settings');
  });

  it('switches the organisation the pages show, and back', STEP, async () => {
    const made = await fetch(`${node.consoleUrl}/api/v1/orgs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${node.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'globex' }),
      signal: AbortSignal.timeout(10_000),
    });
    assert.equal(made.status, 201, await made.text());
    await open('/domains');
    assert.ok((await page.locator('main').textContent()).includes('contoso.test'));
    await page.selectOption('form.organisation select', 'globex');
    await page.click('form.organisation button[type=submit]');
    await page.waitForURL(`${node.consoleUrl}/domains`);
    assert.equal(await page.locator('form.organisation select').inputValue(), 'globex');
    assert.ok(!(await page.locator('main').textContent()).includes('contoso.test'), 'globex has no contoso.test');
    await shoot('domains-globex');
    await page.selectOption('form.organisation select', 'default');
    await page.click('form.organisation button[type=submit]');
    await page.waitForURL(`${node.consoleUrl}/domains`);
    assert.ok((await page.locator('main').textContent()).includes('contoso.test'));
  });

  it('switches the language to French and keeps it on the next page', STEP, async () => {
    await open('/');
    await page.click('footer a[hreflang="fr"]');
    await page.waitForURL(/[?&]lang=fr/);
    assert.equal(await page.locator('html').getAttribute('lang'), 'fr');
    assert.equal((await page.locator('h1').textContent()).trim(), 'Tableau de bord');
    await shoot('dashboard-fr');
    await page.click('header nav a[href="/queue"]');
    await page.waitForURL(/\/queue$/);
    assert.equal(await page.locator('html').getAttribute('lang'), 'fr');
    assert.equal((await page.locator('form.filter button[type=submit]').textContent()).trim(), 'Filtre');
  });

  it('logs out, and the session is closed', STEP, async () => {
    await page.click('form.logout button[type=submit]');
    await page.waitForURL(/\/login$/);
    await open('/queue');
    assert.equal(new URL(page.url()).pathname, '/login');
  });

  it('has no page wider than a phone screen at phone width', () => {
    assert.deepEqual(tooWide, [], 'these pages scroll sideways at 390 px');
  });
});
