// The counsel view in a real browser: an All Writs Act order asking for a technical
// capability lands in the Counsel view, has no approval anywhere, and takes counsel's
// decision, which the authority then reads as a refusal citing the provider's policy.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';

import { browserFor, demoCredentials, screenshot, signedOrderPdf, signIn } from './lib.mjs';

const credentials = demoCredentials();
const skip = credentials
  ? false
  : 'WRIT_CREDENTIALS is not set: run `writ demo --credentials FILE` and point it there (scripts/lib/browser.sh does)';

function allWritsOrder(reference) {
  const day = 24 * 3600 * 1000;
  const at = (days) => new Date(Date.now() + days * day).toISOString().replace(/\.\d+Z$/, 'Z');
  return {
    reference,
    authority: { name: 'Seattle Police Department', country: 'US' },
    instrument: {
      type: 'us.all_writs',
      issuer: { name: 'Hon. M. Chen', role: 'judge' },
      issued_at: at(-1),
      signed: true,
    },
    action: 'disclose',
    categories: ['technical_capability'],
    targets: [],
  };
}


describe('an assistance order for a capability goes to counsel', { skip }, () => {
  const browsers = [];
  after(async () => {
    for (const browser of browsers) await browser.close();
  });
  async function newPage() {
    const browser = await browserFor();
    browsers.push(browser);
    return browser.page;
  }

  test('the counsel view, counsel decides, the authority reads the refusal', async () => {
    const base = credentials.base_url;
    const agency = credentials.agency_users.find((u) => u.agency === 'seattle-pd') ?? credentials.agency_users[0];
    const reviewer = credentials.staff.find((s) => s.role === 'reviewer');
    const approver = credentials.staff.find((s) => s.role === 'approver');
    const reference = `AWA-WEB-${Date.now()}`;

    const portal = await newPage();
    await signIn(portal, base, agency);
    // An assistance order names no account: pasted as JSON, in place of the form.
    await portal.click('#demand-form summary');
    await portal.fill('#demand', JSON.stringify(allWritsOrder(reference), null, 2));
    await portal.setInputFiles('#order', { name: 'order.pdf', mimeType: 'application/pdf', buffer: signedOrderPdf() });
    await Promise.all([portal.waitForURL(/\/portal\/demands\/[^/?]+\?received=1$/), portal.click('#submit-demand')]);
    const caseId = new URL(portal.url()).pathname.split('/').pop();
    // The authority is told at once what no order can get, and why.
    assert.match(await portal.textContent('#refused'), /technical capability/);
    assert.match(await portal.textContent('#refused'), /P-1/);

    // A reviewer finds it in the Counsel view, not to be recommended.
    const review = await newPage();
    await signIn(review, base, reviewer);
    await Promise.all([review.waitForURL(/route=counsel/), review.click('#counsel-view')]);
    assert.equal((await review.textContent('h1')).trim(), 'Counsel');
    const row = review.locator('#queue a', { hasText: reference });
    await row.waitFor();
    await screenshot(review, 'console-counsel-view');
    await Promise.all([review.waitForURL(new RegExp(`/console/cases/${caseId}$`)), row.click()]);
    assert.equal(await review.locator('#review').count(), 0, 'no recommendation form');
    assert.equal(await review.locator('#decide').count(), 0, 'no approval');
    assert.match(await review.textContent('#counsel'), /never approved/);

    // Counsel (an approver) challenges it.
    const counsel = await newPage();
    await signIn(counsel, base, approver);
    await counsel.goto(`${base}/console/cases/${caseId}`);
    assert.equal(await counsel.locator('#decide').count(), 0, 'no approval for counsel either');
    await counsel.check('input[name=decision][value=challenge]');
    await counsel.fill('#counsel-reason', 'Move to vacate: the order would compel the provider to build a way around its encryption.');
    await Promise.all([counsel.waitForURL(/done=counselled$/), counsel.click('#counsel button[type=submit]')]);
    assert.match(await counsel.textContent('#counsel-decision'), /challenge/);
    await screenshot(counsel, 'console-counsel-decision');

    // The court declines to vacate; the provider refuses to comply.
    await counsel.check('input[name=decision][value=refuse]');
    await counsel.fill('#counsel-reason', 'The provider builds no capability to break its encryption.');
    await counsel.click('#counsel button[type=submit]');
    await counsel.locator('#state', { hasText: 'Rejected' }).waitFor();

    await portal.goto(`${base}/portal/demands/${caseId}`);
    assert.match(await portal.textContent('#rejection-reason'), /builds no capability/);
    await screenshot(portal, 'portal-counsel-refusal');
  });
});
