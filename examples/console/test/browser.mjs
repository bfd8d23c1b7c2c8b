// Debian's Chromium for the console test, driven by playwright-core (never a downloaded
// browser), and what the test watches in it: uncaught page errors, Content-Security-Policy
// violations (the `securitypolicyviolation` event and Chromium's console report), requests to
// anywhere but the backend; axe-core runs on a screen under the page's real CSP.
//
// It owns the browsers' lives (each launch gets a fresh profile folder, removed on close)
// and must never loosen the page's security to make a check pass: no bypassCSP, no
// addScriptTag; axe is evaluated through the DevTools protocol, which the CSP does not govern.

import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

import { ROOT } from "./backend.mjs";

export const CHROMIUM = "/usr/bin/chromium";
export const SCREENSHOTS = join(ROOT, "target/console-test");
const AXE_SOURCE = join(ROOT, "node_modules/axe-core/axe.min.js");
const ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

/**
 * A fresh Chromium profile on the backend's origin, with the clipboard granted and every page
 * watched. `problems` collects what must never happen (page errors, CSP violations, requests
 * elsewhere); `close()` ends the browser and removes its profile.
 */
export async function launch(backend) {
  const profile = await mkdtemp(join(tmpdir(), "credgate-console-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 900 },
  });
  const problems = [];
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: backend.url });
  // The page's own CSP reports, delivered to the test by a binding (CDP, not a page script).
  await context.exposeBinding("__credgateTestCspViolation", (_source, violation) => {
    problems.push(`CSP violation: ${JSON.stringify(violation)}`);
  });
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      window.__credgateTestCspViolation({
        directive: event.violatedDirective, blocked: event.blockedURI,
        source: event.sourceFile, line: event.lineNumber, sample: event.sample,
      });
    });
  });
  const watch = (page) => {
    page.setDefaultTimeout(15_000);
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    page.on("console", (message) => {
      // Chromium reports a refused script, style, frame or connection on the console too.
      if (/Content.Security.Policy/i.test(message.text())) problems.push(`console: ${message.text()}`);
    });
    page.on("request", (request) => {
      const url = request.url();
      if (!url.startsWith(`${backend.url}/`) && !url.startsWith("data:")) problems.push(`request elsewhere: ${url}`);
    });
  };
  context.pages().forEach(watch);
  context.on("page", watch);
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    problems,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

let axeSource;

/** axe-core on the page as it is now: fails listing every serious or critical violation. */
export async function checkAxe(page, screen) {
  axeSource ??= await readFile(AXE_SOURCE, "utf8");
  if (!(await page.evaluate(() => typeof window.axe === "object"))) {
    await page.evaluate(axeSource);
  }
  const results = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  const bad = results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  assert.deepEqual(bad, [], `axe on ${screen}:\n${bad.join("\n")}`);
}

/**
 * A PNG into target/console-test/ for a person to look at: the whole page, or only the
 * viewport (`fullPage: false`) for a modal dialog, whose backdrop covers the viewport alone.
 */
export async function screenshot(page, name, { fullPage = true } = {}) {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage });
}

/** Whether the locator's element has the keyboard focus. */
export function isFocused(locator) {
  return locator.evaluate((element) => element === document.activeElement);
}

/**
 * Tab (Shift+Tab with `back`) until the locator's element has the focus: how a keyboard user
 * reaches a control. Fails after `limit` presses.
 */
export async function tabTo(page, locator, { back = false, limit = 60 } = {}) {
  for (let n = 0; n < limit; n += 1) {
    if (await isFocused(locator)) return;
    await page.keyboard.press(back ? "Shift+Tab" : "Tab");
  }
  assert.fail(`${limit} presses of Tab did not reach ${locator}`);
}
