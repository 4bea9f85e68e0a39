// What the browser tests share: the demo's credentials, TOTP codes, and Chromium.

import { createHmac } from 'node:crypto';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));

/** Where screenshots go: test-artifacts/ at the repository's root (git-ignored). */
export const artifacts = resolve(process.env.WRIT_ARTIFACTS ?? join(here, '..', '..', 'test-artifacts'));

/**
 * The credentials file `writ demo --credentials FILE` wrote, named by WRIT_CREDENTIALS;
 * null when the variable is unset (the tests then skip, saying why).
 */
export function demoCredentials() {
  const path = process.env.WRIT_CREDENTIALS;
  if (!path) return null;
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** RFC 4648 base32, as TOTP secrets are written (padding and case ignored). */
function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const char of text.replace(/=+$/, '').toUpperCase()) {
    const index = alphabet.indexOf(char);
    if (index < 0) throw new Error(`not base32: ${char}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** The RFC 6238 code (HMAC-SHA1, 30-second steps, 6 digits) for `secret` at `atMs`. */
export function totp(secret, atMs = Date.now()) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(atMs / 1000 / 30)));
  const mac = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 1_000_000).padStart(6, '0');
}

/**
 * A code for `person` that no earlier sign-in has used: writ refuses a code twice (a
 * replay), and the test files sign the same people in, so the steps used are kept in a
 * file beside the credentials; when this step is taken, it waits for the next one.
 */
export async function freshTotp(person) {
  const ledger = `${process.env.WRIT_CREDENTIALS}.totp-steps.json`;
  let used = {};
  try {
    used = JSON.parse(readFileSync(ledger, 'utf8'));
  } catch {
    used = {};
  }
  const stepMs = 30_000;
  let step = Math.floor(Date.now() / stepMs);
  const last = used[person.username] ?? -1;
  if (step <= last) {
    step = last + 1;
    await new Promise((done) => setTimeout(done, step * stepMs - Date.now() + 50));
  }
  used[person.username] = step;
  writeFileSync(ledger, JSON.stringify(used));
  return totp(person.totp_secret, step * stepMs);
}

/** Signs `person` in through the form; the page lands on their home. */
export async function signIn(page, base, person) {
  await page.goto(`${base}/login`);
  await page.fill('#username', person.username);
  await page.fill('#password', person.password);
  await page.fill('#totp', await freshTotp(person));
  await Promise.all([page.waitForURL(/\/(portal|console)$/), page.click('button[type=submit]')]);
}

/**
 * A browser for one person: Debian's Chromium under Playwright, in a persistent context
 * on a fresh profile of its own (so people do not share cookies); `close()` ends it
 * and removes the profile.
 */
export async function browserFor(viewport = { width: 1280, height: 900 }) {
  const profile = mkdtempSync(join(tmpdir(), 'writ-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    viewport,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
  return {
    context,
    page: context.pages()[0] ?? (await context.newPage()),
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A full-page screenshot into the artifacts directory; its path. */
export async function screenshot(page, name) {
  mkdirSync(artifacts, { recursive: true });
  const path = join(artifacts, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** A minimal, valid one-page PDF: what an authority's scanner would produce, smaller. */
export function signedOrderPdf() {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>',
  ];
  let body = '%PDF-1.4\n';
  const offsets = [];
  objects.forEach((object, i) => {
    offsets.push(body.length);
    body += `${i + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) body += `${String(offset).padStart(10, '0')} 00000 n \n`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}
