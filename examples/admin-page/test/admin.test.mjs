// The admin page in a real browser: Debian's Chromium driven by playwright-core, the page and
// the built package (wasm/pkg) served on 127.0.0.1. Everything is checked through the DOM the
// admin sees, and every expected value is one the SPEC fixes (it comes from credgate's core
// at run time; the page only renders it).
//
//   make build-wasm && node --test examples/admin-page/test/admin.test.mjs

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

import { startServer } from "../serve.mjs";

const CHROMIUM = "/usr/bin/chromium";
const SCREENSHOT = join(tmpdir(), "credgate-admin-page.png");

// SPEC §3: the `wallets` set type's defaults, all org scope.
const WALLETS_DEFAULTS = [
  "vault:create:org", "vault:read:org", "vault:update:org",
  "key:create:org", "key:read:org", "key:update:org",
  "balances:read:org",
];

// A hung browser fails the test instead of hanging the run.
const LIMIT = { timeout: 60_000 };

let server;
let profile;
let context;
let page;
const requests = [];
const responses = [];
const pageErrors = [];

before(async () => {
  server = await startServer({ host: "127.0.0.1", port: 0 });
  profile = await mkdtemp(join(tmpdir(), "credgate-admin-chromium-"));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(15_000);
  page.on("request", (request) => requests.push(request.url()));
  page.on("response", (response) => {
    responses.push(response);
    if (response.status() >= 400) pageErrors.push(`${response.url()}: HTTP ${response.status()}`);
  });
  page.on("pageerror", (error) => pageErrors.push(error.message));
  page.on("requestfailed", (request) => pageErrors.push(`${request.url()}: ${request.failure()?.errorText}`));
  page.on("console", (message) => {
    if (message.type() === "error") pageErrors.push(message.text());
  });
}, LIMIT);

after(async () => {
  await context?.close();
  await server?.close();
  if (profile) await rm(profile, { recursive: true, force: true });
}, LIMIT);

/** A fresh page with the module initialised. */
async function open() {
  await page.goto(server.url);
  await page.waitForSelector('body[data-credgate="ready"]');
}

/** The rows of a path/code/message report table, as the admin reads them. */
function reportRows(tableId) {
  return page.$$eval(`#${tableId} tbody tr`, (rows) =>
    rows.map((row) => {
      const [path, code, message] = [...row.cells].map((cell) => cell.textContent.trim());
      return { path, code, message };
    }),
  );
}

const permissionValues = () => page.$$eval("#permissions input", (inputs) => inputs.map((i) => i.value));

/** The `type:action` pairs listed as allowed on one resource of the preview. */
function allowedOn(resource) {
  return page
    .locator(`#resources tbody tr[data-resource="${resource}"] li`)
    .allTextContents()
    .then((items) => items.map((text) => text.trim()));
}

async function chooseSetType(value) {
  await page.getByLabel("Permission set type").selectOption(value);
}

async function addLine(button, label) {
  await page.getByRole("button", { name: button, exact: true }).click();
  const count = await page.locator(`#${label === "Permission" ? "permissions" : "ip-allowlist"} li`).count();
  return page.getByLabel(`${label} ${count}`, { exact: true });
}

test("the page loads the credgate module from the server and judges the empty form", LIMIT, async () => {
  await open();
  const wasm = responses.find((r) => r.url() === `${server.url}pkg/credgate_bg.wasm`);
  assert.ok(wasm, "the page fetched pkg/credgate_bg.wasm");
  assert.equal(wasm.status(), 200);
  assert.equal(wasm.headers()["content-type"], "application/wasm");

  const status = await page.locator("#engine-status").textContent();
  assert.match(status, /credgate loaded: WebAssembly module with \d+ operations/);

  // The empty form's problems come from validateSpec, field by field.
  const problems = await reportRows("problems");
  const byPath = Object.fromEntries(problems.map((p) => [p.path, p.code]));
  assert.deepEqual(byPath, {
    name: "name.length",
    permission_set_type: "set_type.unknown",
    permissions: "permissions.empty",
    ip_allowlist: "ip.empty",
  });
  for (const problem of problems) assert.ok(problem.message.length > 10, `a message for ${problem.code}`);
  assert.equal(await page.getByLabel("Name", { exact: true }).getAttribute("aria-invalid"), "true");
  assert.match(await page.locator("#lint-summary").textContent(), /once the credential is valid/);
});

test("choosing the wallets set type fills in its 7 default permissions", LIMIT, async () => {
  await open();
  assert.deepEqual(await permissionValues(), []);
  await chooseSetType("wallets");
  const values = await permissionValues();
  assert.equal(values.length, 7);
  assert.deepEqual([...values].sort(), [...WALLETS_DEFAULTS].sort());
  assert.match(await page.locator("#set-type-filled").textContent(), /7 default permissions of wallets/);
  // Each row is labelled for assistive technology.
  assert.equal(await page.getByLabel("Permission 7", { exact: true }).inputValue(), values[6]);

  const codes = (await reportRows("problems")).map((p) => p.code);
  assert.ok(!codes.includes("set_type.unknown"), "the set type is accepted");
  assert.ok(!codes.includes("permissions.empty"), "the permissions are no longer empty");

  // The preview grants exactly what the defaults say: vault create/read/update at org level, etc.
  const grants = await page.$$eval("#grants tbody tr", (rows) => rows.map((r) => `${r.dataset.type}:${r.dataset.action}`));
  assert.deepEqual([...grants].sort(), WALLETS_DEFAULTS.map((p) => p.replace(/:org$/, "")).sort());
});

test("a too-short name shows name.length, a valid one clears it", LIMIT, async () => {
  await open();
  const name = page.getByLabel("Name", { exact: true });
  await name.fill("abc");
  let problem = (await reportRows("problems")).find((p) => p.path === "name");
  assert.equal(problem?.code, "name.length");
  assert.match(problem.message, /3 characters/);
  assert.equal(await page.locator('#name-problem .note[data-code="name.length"]').count(), 1);
  assert.equal(await name.getAttribute("aria-invalid"), "true");

  await name.fill("Treasury bot");
  problem = (await reportRows("problems")).find((p) => p.path === "name");
  assert.equal(problem, undefined);
  assert.equal(await name.getAttribute("aria-invalid"), null);
});

test("an invalid IP shows ip.invalid on its line", LIMIT, async () => {
  await open();
  const address = await addLine("Add address", "Address");
  await address.fill("300.1.2.3");
  const problem = (await reportRows("problems")).find((p) => p.path === "ip_allowlist[0]");
  assert.equal(problem?.code, "ip.invalid");
  assert.match(problem.message, /300\.1\.2\.3/);
  assert.equal(await address.getAttribute("aria-invalid"), "true");
  assert.equal(await page.locator('#ip-allowlist li .note[data-code="ip.invalid"]').count(), 1);

  await address.fill("203.0.113.7");
  assert.equal((await reportRows("problems")).find((p) => p.path === "ip_allowlist[0]"), undefined);
});

test("balances:read:vault:v1 is allowed on sample vault v1 and not on v2", LIMIT, async () => {
  await open();
  await chooseSetType("wallets");
  // Remove the org-wide balances:read default, so only the vault-scoped one grants it.
  const index = (await permissionValues()).indexOf("balances:read:org");
  assert.ok(index >= 0);
  await page.getByRole("button", { name: `Remove permission ${index + 1}`, exact: true }).click();
  assert.ok(!(await permissionValues()).includes("balances:read:org"));
  const line = await addLine("Add permission", "Permission");
  await line.fill("balances:read:vault:v1");

  await page.getByRole("button", { name: "Add sample vault" }).click();
  await page.getByLabel("Vault 1 id").fill("v1");
  await page.getByLabel("Vault 1 key ids").fill("k1");
  await page.getByRole("button", { name: "Add sample vault" }).click();
  await page.getByLabel("Vault 2 id").fill("v2");

  const onV1 = await allowedOn("vault:v1");
  const onV2 = await allowedOn("vault:v2");
  assert.ok(onV1.includes("balances:read"), `v1 allows balances:read (got ${onV1})`);
  assert.ok(!onV2.includes("balances:read"), `v2 does not allow balances:read (got ${onV2})`);
  // The org-scoped defaults still reach both vaults, so v2's row is really rendered.
  assert.ok(onV2.includes("vault:read"), `v2 allows vault:read (got ${onV2})`);
  assert.ok((await allowedOn("key:v1/k1")).includes("balances:read"), "a key in v1 is reachable too");
  assert.ok(!(await allowedOn("org")).includes("balances:read"), "no org-level balances:read");

  const grant = page.locator('#grants tbody tr[data-type="balances"][data-action="read"]');
  assert.equal(await grant.locator('td[data-column="org"]').textContent(), "no");
  assert.equal(await grant.locator('td[data-column="vaults"]').textContent(), "v1");

  // An id outside the grammar is refused by credgate; the grants stay visible.
  await page.getByLabel("Vault 2 id").fill("bad id");
  assert.match(await page.locator("#samples-problem").textContent(), /request\.invalid/);
  assert.equal(await page.locator("#grants").isVisible(), true);
  await page.getByLabel("Vault 2 id").fill("v2");
  assert.equal(await page.locator("#samples-problem").textContent(), "");
});

test("0.0.0.0/0 on a valid credential shows the lint.all_addresses finding", LIMIT, async () => {
  await open();
  await page.getByLabel("Name", { exact: true }).fill("Treasury bot");
  await page.getByLabel("Description").fill("Reads balances for the ledger");
  await chooseSetType("wallets");
  const address = await addLine("Add address", "Address");
  await address.fill("0.0.0.0/0");

  assert.deepEqual(await reportRows("problems"), []);
  assert.match(await page.locator("#validation-summary").textContent(), /^Valid/);
  const findings = await reportRows("findings");
  const finding = findings.find((f) => f.code === "lint.all_addresses");
  assert.equal(finding?.path, "ip_allowlist[0]");
  assert.match(finding.message, /anywhere/);
  assert.equal(await page.locator('#ip-allowlist li .note.finding[data-code="lint.all_addresses"]').count(), 1);

  // With a narrow network the finding goes away.
  await address.fill("203.0.113.0/24");
  assert.ok(!(await reportRows("findings")).some((f) => f.code === "lint.all_addresses"));
  await address.fill("0.0.0.0/0");

  // One picture of a filled-in page, for a person to look at (not part of the assertions).
  await page.getByRole("button", { name: "Add sample vault" }).click();
  await page.getByLabel("Vault 1 id").fill("vlt_treasury");
  await page.getByLabel("Vault 1 key ids").fill("key_hot key_cold");
  const line = await addLine("Add permission", "Permission");
  await line.fill("transaction:create:key:key_hot");
  await page.setViewportSize({ width: 1400, height: 900 });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
});

test("the page talked to nothing but the local server and raised no errors", LIMIT, () => {
  assert.ok(requests.length > 0);
  const elsewhere = requests.filter((url) => !url.startsWith(server.url));
  assert.deepEqual(elsewhere, []);
  assert.deepEqual(pageErrors, []);
});
