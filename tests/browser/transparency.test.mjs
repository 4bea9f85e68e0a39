// The public transparency page in a real browser: no sign-in, tables and SVG charts,
// downloads beside them, readable on a phone. It submits a demand of its own first
// (through the API, with the demo authority's token), so there is something to count.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { browserFor, demoCredentials, screenshot } from './lib.mjs';

const credentials = demoCredentials();
const skip = credentials ? false : 'WRIT_CREDENTIALS is not set (scripts/lib/browser.sh sets it)';

describe('the transparency report', { skip }, () => {
  test('is public, with tables, charts and downloads', async () => {
    // The demo writes a demand dated around today next to its data.
    const example = readFileSync(join(dirname(process.env.WRIT_CREDENTIALS), 'data', 'example-demand.json'));
    const submitted = await fetch(`${credentials.base_url}/api/v1/demands`, {
      method: 'POST',
      headers: { authorization: `Bearer ${credentials.agencies[0].token}`, 'content-type': 'application/json' },
      body: example,
    });
    assert.equal(submitted.status, 201);
    const browser = await browserFor();
    try {
      const { page } = browser;
      const response = await page.goto(`${credentials.base_url}/transparency`);
      assert.equal(response.status(), 200);
      assert.match(await page.title(), /Transparency report/);
      assert.ok((await page.locator('table').count()) > 0, 'tables');
      assert.ok((await page.locator('svg').count()) > 0, 'SVG charts');
      const row = page.locator('table').first().locator('tbody tr', { hasText: 'United States' });
      assert.equal(await row.count(), 1, 'the demo authority’s country has a row');
      const csvLink = page.locator('a', { hasText: 'CSV (Microsoft layout)' });
      const csv = await (await page.request.get(new URL(await csvLink.getAttribute('href'), credentials.base_url).href)).text();
      assert.ok(
        csv.startsWith('country_code,country,total_requests,accounts_users_specified,disclosed_content,disclosed_only_noncontent,no_data_found,rejected_not_meeting_legal_requirements\n'),
        csv.slice(0, 200),
      );
      const json = await (await page.request.get(`${credentials.base_url}/transparency/report.json`)).json();
      assert.ok(json.checkpoint, 'the report carries its audit checkpoint');
      // The report's own <style> applies (the page's CSP allows it by hash), and the
      // charts' legends are text at the body's size, not scaled with the chart.
      const styled = await page.evaluate(() => ({
        chart: getComputedStyle(document.querySelector('.writ-chart')).maxWidth,
        legend: getComputedStyle(document.querySelector('.writ-legend')).fontSize,
        body: getComputedStyle(document.body).fontSize,
      }));
      assert.equal(styled.chart, '640px', 'the report stylesheet is applied');
      assert.equal(styled.legend, styled.body);
      await screenshot(page, 'transparency');
    } finally {
      await browser.close();
    }
  });

  test('fits a phone', async () => {
    const browser = await browserFor({ width: 390, height: 844 });
    try {
      const { page } = browser;
      await page.goto(`${credentials.base_url}/transparency`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      const wide = await page.evaluate(() =>
        [...document.querySelectorAll('body *')]
          .filter((e) => !e.closest('.writ-table-scroll') && e.getBoundingClientRect().right > window.innerWidth + 0.5)
          .slice(0, 5)
          .map((e) => `${e.tagName.toLowerCase()}.${e.className} (${Math.round(e.getBoundingClientRect().right)}px)`),
      );
      assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px: ${wide.join(', ')}`);
      await screenshot(page, 'transparency-phone');
    } finally {
      await browser.close();
    }
  });
});
