// Debian's Chromium, headless, driven by playwright-core: launched with a
// fresh profile and without any of its own network traffic (the machine
// reaches nothing but loopback), and screenshots at two widths.

import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';

export const LAPTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';

/** A browser with one page, on a new empty profile in `profileDir`. */
export async function launch(profileDir) {
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: LAPTOP,
    locale: 'en-US',
    timeout: 30_000,
  });
  context.setDefaultTimeout(10_000);
  context.setDefaultNavigationTimeout(15_000);
  const page = context.pages()[0] ?? (await context.newPage());
  return { context, page };
}

/**
 * Saves the whole of `page` as `dir/NAME-laptop.png` and
 * `dir/NAME-phone.png`, then puts the laptop width back. Tells whether the
 * page was wider than the phone's screen (a reader would scroll sideways).
 */
export async function screenshots(page, dir, name) {
  fs.mkdirSync(dir, { recursive: true });
  let widerThanPhone = false;
  for (const [width, size] of [['laptop', LAPTOP], ['phone', PHONE]]) {
    await page.setViewportSize(size);
    if (size === PHONE) {
      widerThanPhone = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    }
    await page.screenshot({ path: path.join(dir, `${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize(LAPTOP);
  return { widerThanPhone };
}
