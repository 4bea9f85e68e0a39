// One demand through writ's web UI in a real browser: an authority signs in with its
// second factor and submits a demand with the signed order; a reviewer and an
// approver process it in the console; the authority sees the outcome; collection seals
// a production, a second member of staff releases it, and the authority downloads it
// and checks it with `writ bundle verify` (WRIT_BIN, WRIT_DATA).
//
// Runs against `writ demo` (WRIT_CREDENTIALS names its credentials file);
// scripts/lib/browser.sh's run_browser_tests starts one and runs this.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';

import { browserFor, demoCredentials, screenshot, signedOrderPdf, signIn, totp } from './lib.mjs';

const CSP =
  "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const credentials = demoCredentials();
const skip = credentials
  ? false
  : 'WRIT_CREDENTIALS is not set: run `writ demo --credentials FILE` and point it there (scripts/lib/browser.sh does)';

describe('a demand through the web UI', { skip }, () => {
  const browsers = [];
  /** What the browser refused to load or run (a CSP violation), from every page. */
  const violations = [];

  after(async () => {
    for (const browser of browsers) await browser.close();
  });

  /** A page in a browser of its own, for one person. */
  async function newPage(viewport) {
    const browser = await browserFor(viewport);
    browsers.push(browser);
    const { page } = browser;
    page.on('console', (message) => {
      const text = message.text();
      if (/Content Security Policy|Refused to/i.test(text)) violations.push(`${page.url()}: ${text}`);
    });
    return page;
  }

  test('authority, reviewer and approver each do their part', async () => {
    const base = credentials.base_url;
    const agency = credentials.agency_users.find((u) => u.agency === 'seattle-pd') ?? credentials.agency_users[0];
    const reviewer = credentials.staff.find((s) => s.role === 'reviewer');
    const approver = credentials.staff.find((s) => s.role === 'approver');
    const account = credentials.demo_identifiers.find((i) => !i.enterprise && i.type === 'email');
    assert.ok(agency && reviewer && approver && account, 'the demo has the people and accounts this needs');
    const reference = `SEA-WEB-${Date.now()}`;

    // --- the authority signs in: a wrong second factor first, then the right one
    const portal = await newPage();
    const login = await portal.goto(`${base}/login`);
    assert.equal(login.headers()['content-security-policy'], CSP);
    assert.equal(login.headers()['x-content-type-options'], 'nosniff');
    assert.equal(login.headers()['referrer-policy'], 'no-referrer');
    await portal.fill('#username', agency.username);
    await portal.fill('#password', agency.password);
    const wrong = totp(agency.totp_secret) === '000000' ? '111111' : '000000';
    await portal.fill('#totp', wrong);
    await portal.click('button[type=submit]');
    await portal.waitForSelector('#login-error');
    assert.match(await portal.textContent('#login-error'), /code is not right/);
    // A failed sign-in makes the next one wait a second (then two, four, …).
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await signIn(portal, base, agency);
    assert.match(await portal.textContent('#who'), new RegExp(agency.username.replace('.', '\\.')));

    // --- fills in the demand form, checks it with the policy engine, and submits it
    // with the signed order
    const local = (days) => new Date(Date.now() + days * 24 * 3600 * 1000).toISOString().slice(0, 16);
    await portal.fill('#reference', reference);
    await portal.selectOption('#instrument', 'us.search_warrant');
    await portal.selectOption('#issuer-role', 'judge');
    await portal.fill('#issuer-name', 'Hon. M. Chen');
    await portal.fill('#issued-at', local(-1));
    await portal.fill('#expires-at', local(14));
    await portal.check('input[name=category][value=subscriber]');
    await portal.check('input[name=category][value=content]');
    await portal.fill('#period-from', local(-60));
    await portal.fill('#period-to', local(-1));
    await portal.selectOption('#target-type-1', account.type);
    await portal.fill('#target-value-1', account.value);
    await portal.fill('#gag-until', local(180));
    await portal.fill('#gag-basis', '18 U.S.C. 2705(b)');
    await Promise.all([portal.waitForURL(/\/portal\/demands$/), portal.click('button[value=add_target]')]);
    // Not specific: the engine refuses this target, with a finding to read.
    await portal.fill('#target-value-2', '*@example.com');
    assert.equal(await portal.inputValue('#reference'), reference, 'what was typed is kept');
    await Promise.all([portal.waitForURL(/\/portal\/demands$/), portal.click('#check-demand')]);
    const check = await portal.textContent('#check');
    assert.match(check, /partly accepted/);
    assert.match(check, /\*@example\.com/);
    assert.match(check, /Nothing was sent/);
    await screenshot(portal, 'portal-check');
    await portal.setInputFiles('#order', {
      name: 'warrant-signed.pdf',
      mimeType: 'application/pdf',
      buffer: signedOrderPdf(),
    });
    await Promise.all([portal.waitForURL(/\/portal\/demands\/[^/?]+\?received=1$/), portal.click('#submit-demand')]);
    const acknowledgement = await portal.textContent('#acknowledgement');
    const caseId = new URL(portal.url()).pathname.split('/').pop();
    assert.match(acknowledgement, new RegExp(`under case ${caseId}`));
    assert.equal((await portal.textContent('#state')).trim(), 'Received');
    await screenshot(portal, 'portal-acknowledgement');

    // --- a reviewer reads the queue and the case, and recommends a narrowed approval
    const console_ = await newPage();
    await signIn(console_, base, reviewer);
    const row = console_.locator('#queue a', { hasText: reference });
    await row.waitFor();
    await screenshot(console_, 'console-queue');
    await Promise.all([console_.waitForURL(new RegExp(`/console/cases/${caseId}$`)), row.click()]);
    assert.equal((await console_.textContent('#verdict')).trim(), 'partial');
    assert.equal((await console_.textContent('#rule')).trim(), 'US-3');
    const findings = console_.locator('#findings li');
    assert.ok((await findings.count()) >= 1, 'the engine explains itself');
    const refused = console_.locator('#findings li', { hasText: 'NOT_SPECIFIC' });
    assert.match(await refused.textContent(), /\*@example\.com/);
    assert.match(await refused.locator('.finding-cite').textContent(), /Rule\s+US-3/);
    assert.match(await console_.textContent('#documents'), /warrant-signed\.pdf/);
    assert.equal(await console_.locator('#decide').count(), 0, 'a reviewer is not offered the approval');
    await screenshot(console_, 'console-case');
    // She takes the case: it is hers in the queue's "mine".
    assert.equal((await console_.textContent('#assignee')).trim(), 'nobody');
    await Promise.all([console_.waitForURL(/done=assigned$/), console_.click('#assign-to-me')]);
    assert.equal((await console_.textContent('#assignee')).trim(), reviewer.username);
    await console_.goto(`${base}/console?mine=true`);
    const mine = console_.locator('#queue tr', { hasText: reference });
    assert.match(await mine.textContent(), new RegExp(reviewer.username));
    assert.ok(await console_.isChecked('#mine-filter'));
    await screenshot(console_, 'console-queue-mine');
    await console_.goto(`${base}/console/cases/${caseId}`);

    await console_.check('input[name=recommendation][value=approve]');
    // Narrow: content is not needed after all.
    await console_.uncheck('input[name=category][value=content]');
    await console_.fill('#review-reason', 'Warrant signed by a judge, specific account; subscriber data suffices.');
    await Promise.all([console_.waitForURL(/done=recommended$/), console_.click('#review button[type=submit]')]);
    assert.match(await console_.textContent('#done'), /recommendation was recorded/);
    assert.match(await console_.textContent('#recommendation'), /subscriber information/);

    // --- the approver approves (another person: four eyes)
    const approval = await newPage();
    await signIn(approval, base, approver);
    await approval.goto(`${base}/console/cases/${caseId}`);
    await approval.fill('#approve-reason', 'Agreed.');
    await Promise.all([approval.waitForURL(/done=approved$/), approval.click('#decide form[action$="/approve"] button')]);
    // Collection starts at once in the background, so the case may have moved on already.
    assert.match((await approval.textContent('#state')).trim(), /^(Approved|Collecting|Sealed)$/);
    assert.match(await approval.textContent('#approved-scope'), /subscriber information/);
    assert.doesNotMatch(await approval.textContent('#approved-scope'), /content/);
    // Who approved it, and why, stays on the case.
    assert.equal((await approval.textContent('#approved-by')).trim(), approver.username);
    assert.equal((await approval.textContent('#approval-reason')).trim(), 'Agreed.');
    await screenshot(approval, 'console-case-approved');

    // --- the authority sees the new state
    await portal.goto(`${base}/portal`);
    const listed = portal.locator('#demands tr', { hasText: reference });
    assert.match(await listed.textContent(), /Approved|Collecting|Sealed/);
    await portal.goto(`${base}/portal/demands/${caseId}`);
    assert.match((await portal.textContent('#state')).trim(), /^(Approved|Collecting|Sealed)$/);
    await screenshot(portal, 'portal-demand-approved');

    // --- collection seals the production; the reviewer may not release it, the approver does
    const sealed = async (page) => {
      for (let i = 0; i < 120; i++) {
        await page.goto(`${base}/console/cases/${caseId}`);
        if ((await page.locator('#production-state').count()) > 0 && (await page.textContent('#production-state')).trim() === 'sealed') return;
        await page.waitForTimeout(500);
      }
      assert.fail('the production was not sealed within a minute');
    };
    await sealed(console_);
    assert.match(await console_.textContent('#production-progress'), /(\d+) of \1 items \(100%\)/);
    assert.equal(await console_.locator('#release').count(), 0, 'the case\'s reviewer is not offered the release');
    await screenshot(console_, 'console-production-sealed');
    assert.equal((await console_.textContent('#state')).trim(), 'Sealed');
    await approval.goto(`${base}/console/cases/${caseId}`);
    // The release waits in the sidebar for a confirmation; the sidebar offers it, not
    // "nothing to do".
    assert.equal(await approval.locator('text=Nothing for your role').count(), 0);
    await screenshot(approval, 'console-release-confirm');
    await approval.click('#release');
    assert.ok(await approval.$eval('#release-confirm', (box) => box.validity.valueMissing), 'unconfirmed, the form is not sent');
    assert.equal((await approval.textContent('#production-state')).trim(), 'sealed');
    await approval.check('#release-confirm');
    await Promise.all([approval.waitForURL(/done=released$/), approval.click('#release')]);
    assert.match(await approval.textContent('#done'), /released/);
    assert.equal((await approval.textContent('#production-state')).trim(), 'released');
    // The badge follows the production, and the case says who released it.
    assert.equal((await approval.textContent('#state')).trim(), 'Released');
    assert.match(await approval.textContent('#production-released'), new RegExp(` UTC by ${approver.username}$`));
    assert.equal(await approval.locator('#release-card').count(), 0);
    await screenshot(approval, 'console-case-released');
    await approval.goto(`${base}/console?state=released`);
    assert.equal(await approval.locator('#queue tr', { hasText: reference }).count(), 1, 'the state filter finds it as released');

    // --- the authority downloads it, and it verifies with the provider's key
    await portal.goto(`${base}/portal/demands/${caseId}`);
    await screenshot(portal, 'portal-production');
    const [download] = await Promise.all([portal.waitForEvent('download'), portal.click('#download')]);
    const file = join(mkdtempSync(join(tmpdir(), 'writ-download-')), download.suggestedFilename());
    await download.saveAs(file);
    assert.match(download.suggestedFilename(), /^production-.*\.age$/);
    if (process.env.WRIT_BIN && process.env.WRIT_DATA) {
      const dir = dirname(file);
      const agencyCreds = credentials.agencies.find((a) => a.country === 'US');
      writeFileSync(join(dir, 'identity.txt'), `${agencyCreds.age_identity}\n`);
      // writ reads WRIT_* variables as settings: run it without this test's own.
      const env = { PATH: process.env.PATH };
      writeFileSync(join(dir, 'provider.pem'), execFileSync(process.env.WRIT_BIN, ['bundle', 'key', '--data', process.env.WRIT_DATA], { env }));
      const report = execFileSync(process.env.WRIT_BIN, ['bundle', 'verify', file, '--identity', join(dir, 'identity.txt'), '--provider-key', join(dir, 'provider.pem')], { env }).toString();
      assert.match(report, /^verified:/m);
    }

    // --- on a phone, the case page still reads
    await approval.setViewportSize({ width: 390, height: 844 });
    await approval.reload();
    const width = await approval.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `no sideways scrolling on a phone (the page is ${width}px wide)`);
    await screenshot(approval, 'console-case-phone');

    assert.deepEqual(violations, [], 'nothing on any page broke the CSP');
  });

  test('a form posted without the CSRF token is refused', async () => {
    const base = credentials.base_url;
    const agency = credentials.agency_users.find((u) => u.agency === 'bka') ?? credentials.agency_users[1];
    const page = await newPage();
    await signIn(page, base, agency);
    // The browser sends the session cookie, as it would for a forged form.
    const response = await page.request.post(`${base}/logout`, { form: { csrf: 'forged' } });
    assert.equal(response.status(), 403);
    await page.goto(`${base}/portal`);
    assert.match(page.url(), /\/portal$/, 'still signed in');
  });
});
