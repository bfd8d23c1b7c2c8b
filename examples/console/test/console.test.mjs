// The credential console end to end, as administrators use it: Debian's Chromium (driven by
// playwright-core) on the console that the REAL example backend serves at /console/ under its
// strict CSP, with a fresh SQLite database and two administrators (alice, owner; bob,
// administrator). An Authlib client (api_client.py) proves that a secret copied from the
// one-time dialog works, and that "Disable" stops new tokens but not the ones already issued.
// Every expected credgate answer (defaults, messages, explanations) comes from credgate's
// core at run time (the npm package in wasm/pkg); the page only has to render it.
//
//   make test-console        (builds the console, the package and the Python extension first)
//
// Screenshots of each main screen go to target/console-test/ for a person to look at.

import { after, afterEach, before, test } from "node:test";
import assert from "node:assert/strict";
import { rm } from "node:fs/promises";

import * as credgate from "../../../wasm/pkg/node.js";
import { adminApi, apiClient, startBackend } from "./backend.mjs";
import { checkAxe, isFocused, launch, screenshot, SCREENSHOTS, tabTo } from "./browser.mjs";

// A hung browser or backend fails the step instead of hanging the run.
const STEP = { timeout: 60_000 };

const NAME = "Treasury bot";
const DESCRIPTION = "Reads balances for the ledger";
const SET_TYPE = "wallets";
const BOB_NAME = "Payments reporter";

let backend;
let alice; // { context, page, problems, close }
let created = {}; // what the one-time dialog showed: clientId, secret; later accessToken

before(async () => {
  // Only this run's pictures: a screen whose step failed leaves no older picture behind.
  await rm(SCREENSHOTS, { recursive: true, force: true });
  backend = await startBackend();
  alice = await launch(backend);
}, STEP);

// Each step answers for the page errors and CSP violations that happened during it.
let problemsSeen = 0;
afterEach(() => {
  const fresh = alice.problems.slice(problemsSeen);
  problemsSeen = alice.problems.length;
  assert.deepEqual(fresh, [], "no page error, CSP violation or foreign request during this step");
});

after(async () => {
  await alice?.close();
  await backend?.stop();
}, STEP);

// ------------------------------------------------------------------ helpers

const h1 = (page, name) => page.getByRole("heading", { level: 1, name, exact: true });
const button = (scope, name) => scope.getByRole("button", { name, exact: true });
const region = (page, name) => page.getByRole("region", { name, exact: true });

/** The console at its address, with the credgate WASM package loaded (body[data-credgate]). */
async function openConsole(page, hash = "") {
  await page.goto(`${backend.url}/console/${hash}`);
  await page.waitForFunction(() => ["ready", "failed"].includes(document.body.dataset.credgate));
  assert.equal(await page.evaluate(() => document.body.dataset.credgate), "ready", "the credgate package loaded");
}

async function signIn(page, admin) {
  await openConsole(page);
  await h1(page, "Sign in").waitFor();
  await page.getByLabel("Administrator token", { exact: true }).fill(backend.admins[admin].token);
  await button(page, "Sign in").click();
  await h1(page, "API credentials").waitFor();
}

/** The text of the cell under `column` in the row of `table` that contains `rowText`. */
async function cellText(table, rowText, column) {
  const headers = (await table.getByRole("columnheader").allTextContents()).map((t) => t.trim());
  const index = headers.indexOf(column);
  assert.ok(index >= 0, `a column "${column}" in ${JSON.stringify(headers)}`);
  const row = table.getByRole("row").filter({ hasText: rowText });
  await row.first().waitFor();
  return (await row.first().locator("th, td").nth(index).textContent()).trim();
}

/** The rows of the create/edit form's permission table (body rows only). */
function permissionRows(page) {
  return page.getByRole("table", { name: "Permissions", exact: true }).getByRole("row").filter({
    has: page.getByRole("button", { name: /^Remove permission \d+$/ }),
  });
}

/** One row's permission as the selects and the resource field say: `type:action:scope[:resource]`. */
async function rowPermission(row) {
  const value = (name) => row.getByRole("combobox", { name: new RegExp(`^${name}( \\d+)?$`) }).inputValue();
  const [type, action, scope] = [await value("Type"), await value("Action"), await value("Scope")];
  const resource = row.getByRole("textbox", { name: /^Resource( \d+)?$/ });
  const id = (await resource.count()) && !(await resource.isDisabled()) ? await resource.inputValue() : "";
  return [type, action, scope, ...(id ? [id] : [])].join(":");
}

async function formPermissions(page) {
  const rows = await permissionRows(page).all();
  return Promise.all(rows.map(rowPermission));
}

/** The validation message elements the page shows (each carries its code in `title`). */
const messagesWithCode = (page, code) => page.locator(`main [title="${code}"]`);

/**
 * The element that describes `field` and carries `code` in its title: the page's rendering of
 * a credgate problem, linked by aria-describedby.
 */
async function describedProblem(page, field, code) {
  const ids = ((await field.getAttribute("aria-describedby")) ?? "").split(/\s+/).filter(Boolean);
  for (const id of ids) {
    const element = page.locator(`[id="${id}"]`);
    if ((await element.getAttribute("title")) === code) return element;
    const inner = element.locator(`[title="${code}"]`);
    if (await inner.count()) return inner.first();
  }
  return null;
}

/** Keyboard focus is inside the open modal dialog. */
const focusInside = (dialog) => dialog.evaluate((d) => d.contains(document.activeElement) && d.open);

/** What the page holds anywhere it could keep a secret: DOM, field values, storage, URL. */
function pageHolds(page, needle) {
  return page.evaluate((text) => {
    const places = [];
    if (document.documentElement.outerHTML.includes(text)) places.push("DOM");
    for (const field of document.querySelectorAll("input, textarea")) {
      if (field.value.includes(text)) places.push(`field ${field.name || field.id || field.type}`);
    }
    for (const [name, storage] of [["sessionStorage", sessionStorage], ["localStorage", localStorage]]) {
      for (let i = 0; i < storage.length; i += 1) {
        const key = storage.key(i);
        if (key.includes(text) || storage.getItem(key).includes(text)) places.push(name);
      }
    }
    if (location.href.includes(text)) places.push("URL");
    return places;
  }, needle);
}

// ------------------------------------------------------------------ 1. sign in

test("1. alice signs in through the sign-in screen; a wrong token shows the server's error", STEP, async () => {
  const { page } = alice;
  await openConsole(page);
  await h1(page, "Sign in").waitFor();
  assert.match(await page.title(), /credgate console/);
  const token = page.getByLabel("Administrator token", { exact: true });
  assert.equal(await token.getAttribute("type"), "password");
  await checkAxe(page, "sign-in");
  await screenshot(page, "01-sign-in");

  await token.fill("not-a-token-of-anyone");
  await button(page, "Sign in").click();
  const alert = page.getByRole("alert");
  await alert.waitFor();
  const me = await fetch(`${backend.url}/admin/me`, { headers: { authorization: "Bearer not-a-token-of-anyone" } });
  assert.equal(me.status, 401);
  const refusal = await me.json();
  assert.ok((await alert.textContent()).includes(refusal.error_description), "the server's own words");
  await h1(page, "Sign in").waitFor();

  await token.fill(backend.admins.alice.token);
  await button(page, "Sign in").click();
  await h1(page, "API credentials").waitFor();
  await page.getByText("Signed in as alice (owner)").waitFor();
  assert.match(await page.title(), /^(API )?credentials — credgate console$/i);
  // The token lives in this tab's sessionStorage only.
  const stored = await page.evaluate(() => [JSON.stringify({ ...sessionStorage }), JSON.stringify({ ...localStorage })]);
  assert.ok(stored[0].includes(backend.admins.alice.token), "sessionStorage keeps the token");
  assert.ok(!stored[1].includes(backend.admins.alice.token), "localStorage never does");
  await page.getByText("No credentials yet").waitFor();
  const nav = page.getByRole("navigation", { name: "Console" });
  for (const link of ["Credentials", "Approvals", "Audit"]) await nav.getByRole("link", { name: link, exact: true }).waitFor();
  await button(page, "Sign out").waitFor();
});

// ------------------------------------------------------------------ 2. create

test("2. create a sandbox credential through the form: defaults, rows, counters, validation on leaving, preview, advice", STEP, async () => {
  const { page } = alice;
  await button(page, "Create credentials").click();
  await h1(page, "Create API credentials").waitFor();

  // Nothing is judged before anything was typed or left.
  assert.equal(await page.getByRole("alert").count(), 0, "no alert on an untouched form");
  for (const code of ["name.length", "set_type.unknown", "permissions.empty", "ip.empty"]) {
    assert.equal(await messagesWithCode(page, code).count(), 0, `no ${code} message before a field was left`);
  }

  // The set type fills its defaults (credgate's own list) as permission rows.
  const defaults = credgate.setTypeDefaults(SET_TYPE).permissions;
  const setTypes = page.getByRole("group", { name: "Permission set type" });
  await setTypes.getByRole("radio", { name: new RegExp(`\\b${SET_TYPE}\\b`, "i") }).check();
  await permissionRows(page).nth(defaults.length - 1).waitFor();
  assert.deepEqual(await formPermissions(page), defaults);

  const grid = region(page, "Effective permissions");
  const gridBefore = await grid.textContent();

  // Edit one row with its selects: the first default becomes vault-scoped on one vault.
  const first = permissionRows(page).first();
  await first.getByRole("combobox", { name: /^Scope( \d+)?$/ }).selectOption("vault");
  await first.getByRole("textbox", { name: /^Resource( \d+)?$/ }).fill("vlt_treasury");
  const edited = await formPermissions(page);
  assert.equal(edited[0], `${defaults[0].split(":").slice(0, 2).join(":")}:vault:vlt_treasury`);
  // The row offers exactly the scopes credgate applies to its type (SPEC §1's table).
  const offered = await first.getByRole("combobox", { name: /^Scope( \d+)?$/ }).locator("option").evaluateAll(
    (options) => options.map((o) => o.value).filter(Boolean));
  const [type, action] = edited[0].split(":");
  const applicable = ["org", "vault", "key"].filter((scope) => credgate.validateSpec({
    name: NAME, description: DESCRIPTION, permission_set_type: SET_TYPE, ip_allowlist: ["127.0.0.1"], environment: "sandbox",
    permissions: [scope === "org" ? `${type}:${action}:org` : `${type}:${action}:${scope}:x1`],
  }).ok);
  assert.deepEqual([...offered].sort(), [...applicable].sort(), `the scopes offered for ${type}`);
  await grid.filter({ hasNotText: gridBefore }).waitFor(); // the live grid followed the edit
  // …to what credgate's preview says: the edited type and action now reach that one vault only.
  const reach = credgate.preview({ permissions: edited }).grants.find((g) => `${g.type}:${g.action}` === edited[0].split(":").slice(0, 2).join(":"));
  assert.deepEqual([reach.org, reach.all_vaults, reach.vaults], [false, false, ["vlt_treasury"]]);
  const gridRow = grid.getByRole("row").filter({ has: page.getByRole("rowheader", { name: reach.type, exact: true }) })
    .filter({ has: page.getByRole("cell", { name: reach.action, exact: true }) });
  await gridRow.filter({ hasText: "vlt_treasury" }).waitFor();

  // Add a row, then remove it again.
  await button(page, "Add permission").click();
  await permissionRows(page).nth(defaults.length).waitFor();
  assert.equal(await permissionRows(page).count(), defaults.length + 1);
  await button(page, `Remove permission ${defaults.length + 1}`).click();
  await permissionRows(page).nth(defaults.length).waitFor({ state: "detached" });
  assert.deepEqual(await formPermissions(page), edited);

  // The name: left empty, then too short, shows credgate's name.length message — as text.
  const name = page.getByLabel("Name", { exact: true });
  await name.focus();
  await page.keyboard.press("Tab");
  await messagesWithCode(page, "name.length").first().waitFor();
  await name.fill("abc");
  await name.blur();
  const expected = credgate.validateSpec({ name: "abc", description: DESCRIPTION, permission_set_type: SET_TYPE,
    permissions: edited, ip_allowlist: ["127.0.0.1"], environment: "sandbox" }).errors.find((e) => e.code === "name.length");
  const problem = await describedProblem(page, name, "name.length");
  assert.ok(problem, "the name field is described by its name.length message");
  await problem.filter({ hasText: expected.message }).waitFor();
  assert.ok(!(await problem.textContent()).includes("`"), "no literal backticks");
  assert.equal(await name.getAttribute("aria-invalid"), "true");
  await screenshot(page, "03-create-problems");

  await name.fill(NAME);
  await messagesWithCode(page, "name.length").first().waitFor({ state: "detached" });
  const counter = async (field) => {
    const ids = (await field.getAttribute("aria-describedby")).split(/\s+/);
    const texts = await Promise.all(ids.map((id) => page.locator(`[id="${id}"]`).textContent()));
    return texts.map((t) => t.trim()).find((t) => /^\d+\/\d+$/.test(t));
  };
  assert.equal(await counter(name), `${NAME.length}/50`);
  const description = page.getByLabel(/^Description/);
  await description.fill(DESCRIPTION);
  assert.equal(await counter(description), `${DESCRIPTION.length}/50`);

  // Limited IP addresses: one entry, 127.0.0.1 (where the Authlib client will call from).
  const ips = page.getByRole("group", { name: "IP addresses" });
  await ips.getByRole("radio", { name: "Limited", exact: true }).check();
  const ip = page.getByLabel("IP address or CIDR 1", { exact: true });
  // A message with backticks in credgate's words is rendered with <code>, never backticks.
  await ip.fill("300.1.2.3");
  await ip.blur();
  const ipProblem = await describedProblem(page, ip, "ip.invalid");
  assert.ok(ipProblem, "the IP field is described by its ip.invalid message");
  await ipProblem.locator("code", { hasText: "300.1.2.3" }).waitFor();
  assert.ok(!(await ipProblem.textContent()).includes("`"), "no literal backticks");
  await ip.fill("127.0.0.1");
  await ip.blur();
  await messagesWithCode(page, "ip.invalid").first().waitFor({ state: "detached" });
  await page.getByRole("group", { name: "Environment" }).getByRole("radio", { name: "Sandbox", exact: true }).check();

  // Advice: credgate's lint of this very spec, shown in the panel.
  const spec = { name: NAME, description: DESCRIPTION, permission_set_type: SET_TYPE, permissions: edited,
    ip_allowlist: ["127.0.0.1"], environment: "sandbox" };
  assert.equal(credgate.validateSpec(spec).ok, true, "the spec the form holds is valid for credgate");
  const advice = region(page, "Advice");
  for (const finding of credgate.lint({ spec }).findings) {
    await advice.locator(`[title="${finding.code}"]`).first().waitFor();
  }
  // "All IP addresses" draws credgate's advice against it, live.
  await ips.getByRole("radio", { name: "All IP addresses", exact: true }).check();
  await advice.locator('[title="lint.all_addresses"]').first().waitFor();
  await ips.getByRole("radio", { name: "Limited", exact: true }).check();
  const again = page.getByLabel("IP address or CIDR 1", { exact: true });
  if ((await again.inputValue()) !== "127.0.0.1") await again.fill("127.0.0.1");
  await advice.locator('[title="lint.all_addresses"]').first().waitFor({ state: "detached" });
  await checkAxe(page, "create");

  // The server judges again (the Python package, the same core), and the page shows its
  // problems where it shows its own. The first submit reaches the real backend with two
  // members changed on the way, so the refusal is the server's own answer, not the page's.
  const tampered = { name: "abc", ip_allowlist: ["300.1.2.3"] };
  let rewritten = false;
  const rewrite = async (route) => {
    if (rewritten || route.request().method() !== "POST") return route.fallback();
    rewritten = true;
    const body = { ...route.request().postDataJSON(), ...tampered };
    await route.fulfill({ response: await route.fetch({ postData: JSON.stringify(body) }) });
  };
  await page.route("**/admin/credentials", rewrite);
  await button(page, "Generate credentials").click();
  const refused = page.getByRole("alert").filter({ hasText: "The server refused this credential: 2 problems" });
  await refused.waitFor();
  await page.unroute("**/admin/credentials", rewrite);
  const serverSaid = credgate.validateSpec({ ...spec, ...tampered }).errors;
  assert.deepEqual(serverSaid.map((e) => e.code).sort(), ["ip.invalid", "name.length"]);
  for (const [field, error] of [[name, serverSaid.find((e) => e.code === "name.length")],
                                [again, serverSaid.find((e) => e.code === "ip.invalid")]]) {
    await refused.locator(`[data-code="${error.code}"]`).waitFor();
    const atField = await describedProblem(page, field, error.code);
    assert.ok(atField, `the field is described by the server's ${error.code}`);
    await atField.filter({ hasText: error.message.replaceAll("`", "") }).waitFor();
    assert.ok(!(await atField.textContent()).includes("`"), "no literal backticks");
  }
  await refused.locator("code", { hasText: "300.1.2.3" }).waitFor();
  await screenshot(page, "03b-create-server-problems");

  // Submitting again, unchanged, sends the form as it is and creates the credential.
  await button(page, "Generate credentials").click();
  const dialog = page.getByRole("dialog", { name: "Your new credentials" });
  await dialog.waitFor();
});

// ------------------------------------------------------------------ 3. the one-time dialog

test("3. the one-time dialog traps focus, resists Escape, copies the secret, and forgets it after Done", STEP, async () => {
  const { page } = alice;
  const dialog = page.getByRole("dialog", { name: "Your new credentials" });
  await dialog.waitFor();
  assert.ok(await focusInside(dialog), "focus moved into the dialog");
  const clientId = await dialog.getByLabel("Client ID", { exact: true }).inputValue();
  const secret = await dialog.getByLabel("Client secret", { exact: true }).inputValue();
  assert.match(clientId, /^cid_/);
  assert.ok(secret.length > 20);
  for (const field of ["Client ID", "Client secret"]) {
    assert.equal(await dialog.getByLabel(field, { exact: true }).evaluate((input) => input.readOnly), true, `${field} is read-only`);
  }
  await dialog.getByText("The client secret is shown only once. Copy it now and store it somewhere safe: you will not be able to see it again.").waitFor();
  const done = button(dialog, "Done");
  assert.equal(await done.isDisabled(), true, "Done waits for the checkbox");
  await checkAxe(page, "one-time dialog");
  await screenshot(page, "04-one-time-dialog", { fullPage: false });

  // Tab and Shift+Tab never leave the dialog.
  for (const key of ["Tab", "Tab", "Tab", "Tab", "Tab", "Tab", "Tab", "Shift+Tab", "Shift+Tab", "Shift+Tab", "Shift+Tab"]) {
    await page.keyboard.press(key);
    assert.ok(await focusInside(dialog), `focus stays in the dialog after ${key}`);
  }
  await page.keyboard.press("Escape");
  assert.ok(await dialog.isVisible(), "Escape does not close it before the secret is stored");
  assert.ok(await focusInside(dialog));

  // Leaving the page while the secret is shown asks first.
  const asked = new Promise((resolveAsk) => page.once("dialog", async (prompt) => {
    resolveAsk(prompt.type());
    await prompt.dismiss();
  }));
  await page.evaluate(() => { window.location.href = "/healthz"; });
  const left = page.waitForURL("**/healthz", { timeout: 10_000 }).then(() => "navigated away without asking");
  assert.equal(await Promise.race([asked, left]), "beforeunload");
  await dialog.waitFor();

  await button(dialog, "Copy client secret").click();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret, "the clipboard holds the secret");
  await button(dialog, "Copy client ID").click();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), clientId);

  await dialog.getByRole("checkbox", { name: "I have stored the secret", exact: true }).check();
  assert.equal(await done.isDisabled(), false);
  await done.click();
  await dialog.waitFor({ state: "hidden" });
  // Focus goes back to the opener, or to the screen the page moves on to: never lost on <body>.
  await page.waitForFunction(() => document.activeElement !== document.body
    && document.querySelector("main")?.contains(document.activeElement), null, { timeout: 5_000 });
  assert.deepEqual(await pageHolds(page, secret), [], "the secret is nowhere in the page any more");
  created = { clientId, secret };
});

// ------------------------------------------------------------------ 4. an OAuth client uses it

test("4. an Authlib client discovers the token endpoint, gets a token with the copied secret and calls the API", STEP, async () => {
  assert.ok(created.secret, "step 3 copied a secret");
  const result = await apiClient(backend, { clientId: created.clientId, secret: created.secret });
  assert.equal(result.token_status, 200, JSON.stringify(result));
  assert.equal(result.api_status, 200, JSON.stringify(result));
  assert.ok(result.access_token);
  created.accessToken = result.access_token;
});

// ------------------------------------------------------------------ 5. the console shows the call

test("5. the credential's Recent activity lists the call and the list's Last used is no longer Never", STEP, async () => {
  const { page } = alice;
  // The list was drawn before the call: load it afresh (the tab stays signed in).
  await page.reload();
  await h1(page, "API credentials").waitFor();
  const table = page.getByRole("table", { name: "API credentials", exact: true });
  await table.getByRole("link", { name: NAME, exact: true }).waitFor();
  const lastUsed = await cellText(table, NAME, "Last used");
  assert.notEqual(lastUsed, "Never");
  assert.ok(lastUsed.length > 0);
  assert.equal(await cellText(table, NAME, "Environment"), "Sandbox");
  assert.equal(await cellText(table, NAME, "Status"), "Enabled");
  await checkAxe(page, "list");
  await screenshot(page, "02-list");

  await table.getByRole("link", { name: NAME, exact: true }).click();
  await h1(page, NAME).waitFor();
  const activity = region(page, "Recent activity");
  await activity.getByText("GET /v1/vaults").first().waitFor();
  assert.match(await activity.textContent(), /allowed/i);
  assert.match(await activity.textContent(), /issued/i, "the token request too");
  for (const section of ["Permissions", "IP addresses", "Usage", "Try a request", "Secrets"]) {
    await region(page, section).waitFor();
  }
  await region(page, "IP addresses").getByText("127.0.0.1").waitFor();
  await checkAxe(page, "detail");
  await screenshot(page, "05-detail");
});

// ------------------------------------------------------------------ Try a request

test("Try a request explains an allow (by which permission) and a deny (with the narrowest grant), as credgate does", STEP, async () => {
  const { page } = alice;
  await h1(page, NAME).waitFor();
  const stored = (await adminApi(backend, "alice", "GET", `/admin/credentials/${created.clientId}`)).body;
  const tryIt = region(page, "Try a request");
  const ask = async (request) => {
    await tryIt.getByRole("combobox", { name: "Type", exact: true }).selectOption(request.type);
    await tryIt.getByRole("combobox", { name: "Action", exact: true }).selectOption(request.action);
    await tryIt.getByRole("textbox", { name: "Vault", exact: true }).fill(request.vault ?? "");
    await tryIt.getByRole("textbox", { name: "Key", exact: true }).fill(request.key ?? "");
    await button(tryIt, "Explain").click();
    return credgate.explain({ permissions: stored.permissions, request });
  };
  const allowed = await ask({ type: "key", action: "read", vault: "vlt_other", key: "k1" });
  assert.equal(allowed.allowed, true, "the wallets defaults read keys org-wide");
  await tryIt.getByRole("status").filter({ hasText: `Allowed by ${allowed.matched}` }).waitFor();

  const denied = await ask({ type: "key", action: "delete", vault: "vlt_treasury", key: "k1" });
  assert.equal(denied.allowed, false);
  const verdict = tryIt.getByRole("status").filter({ hasText: "Denied" });
  await verdict.waitFor();
  await tryIt.getByText(denied.narrowest).first().waitFor();
});

// ------------------------------------------------------------------ Rotate secret

test("Rotate secret shows the new secret once in the same dialog; focus returns to Rotate secret; the new secret works", STEP, async () => {
  const { page } = alice;
  await h1(page, NAME).waitFor();
  const rotate = button(region(page, "Secrets"), "Rotate secret");
  await rotate.click();
  const dialog = page.getByRole("dialog", { name: "Your new credentials" });
  await dialog.waitFor();
  assert.ok(await focusInside(dialog));
  assert.equal(await dialog.getByLabel("Client ID", { exact: true }).inputValue(), created.clientId);
  const secret = await dialog.getByLabel("Client secret", { exact: true }).inputValue();
  assert.notEqual(secret, created.secret, "a new secret");
  await page.keyboard.press("Escape");
  assert.ok(await dialog.isVisible(), "Escape does not close it before the secret is stored");
  await dialog.getByRole("checkbox", { name: "I have stored the secret", exact: true }).check();
  await button(dialog, "Done").click();
  await dialog.waitFor({ state: "hidden" });
  await page.waitForFunction(() => document.activeElement?.textContent?.trim() === "Rotate secret", null, { timeout: 5_000 })
    .catch(async () => assert.fail(`focus is on ${await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 200))}, not on Rotate secret`));
  assert.deepEqual(await pageHolds(page, secret), [], "the new secret is nowhere in the page any more");
  await region(page, "Secrets").getByRole("cell", { name: "Secret 2", exact: true }).waitFor();

  const fresh = await apiClient(backend, { clientId: created.clientId, secret });
  assert.equal(fresh.token_status, 200, JSON.stringify(fresh));
  const old = await apiClient(backend, { clientId: created.clientId, secret: created.secret });
  assert.equal(old.token_status, 200, `the old secret works through its grace period (${JSON.stringify(old)})`);
});

// ------------------------------------------------------------------ Edit

test("Edit shows credgate's diff and its verdict before saving, then saves", STEP, async () => {
  const { page } = alice;
  await h1(page, NAME).waitFor();
  const before = (await adminApi(backend, "alice", "GET", `/admin/credentials/${created.clientId}`)).body;
  await button(page, "Edit").click();
  await h1(page, `Edit ${NAME}`).waitFor();
  const changes = region(page, "Changes");
  assert.deepEqual(await formPermissions(page), before.permissions);

  // Adding a permission grants new access: the panel says so before anything is saved.
  await button(page, "Add permission").click();
  const added = permissionRows(page).last();
  await added.getByRole("combobox", { name: /^Type( \d+)?$/ }).selectOption("vault");
  await added.getByRole("combobox", { name: /^Action( \d+)?$/ }).selectOption("delete");
  await added.getByRole("combobox", { name: /^Scope( \d+)?$/ }).selectOption("vault");
  await added.getByRole("textbox", { name: /^Resource( \d+)?$/ }).fill("vlt_treasury");
  const widened = await formPermissions(page);
  const wider = credgate.diff({ before: specOf(before), after: { ...specOf(before), permissions: widened } });
  assert.equal(wider.grants_new_access, true);
  for (const permission of wider.permissions.added) await changes.getByText(permission).first().waitFor();
  await changes.getByText("Grants new access").waitFor();
  await checkAxe(page, "edit");
  await screenshot(page, "06-edit-diff");

  // Removing it again and dropping a default instead takes access away only.
  await button(page, `Remove permission ${widened.length}`).click();
  await button(page, `Remove permission ${widened.length - 1}`).click();
  const narrowed = await formPermissions(page);
  assert.equal(narrowed.length, before.permissions.length - 1);
  const narrower = credgate.diff({ before: specOf(before), after: { ...specOf(before), permissions: narrowed } });
  assert.equal(narrower.grants_new_access, false);
  for (const permission of narrower.permissions.removed) await changes.getByText(permission).first().waitFor();
  await changes.getByText("No new access").waitFor();
  assert.equal(await changes.getByText("Grants new access").count(), 0);
  await button(page, "Save changes").click();
  await h1(page, NAME).waitFor();
  const after = (await adminApi(backend, "alice", "GET", `/admin/credentials/${created.clientId}`)).body;
  assert.deepEqual(after.permissions, narrowed, "the server holds what the form said");
});

/** The spec members of a stored record (what credgate.diff compares). */
function specOf(record) {
  const { name, description, permission_set_type, permissions, ip_allowlist, environment } = record;
  return { name, description, permission_set_type, permissions, ip_allowlist, environment };
}

// ------------------------------------------------------------------ 6. disable, by keyboard only

test("6. disable it by keyboard only (a reason chosen): the old token still works, a new one is refused", STEP, async () => {
  const { page } = alice;
  await h1(page, NAME).waitFor();
  await h1(page, NAME).focus(); // where the screen puts focus when it opens
  await tabTo(page, button(page, "Disable"));
  await page.keyboard.press("Enter");
  const dialog = page.getByRole("dialog", { name: "Disable credential" });
  await dialog.waitFor();
  assert.ok(await focusInside(dialog), "focus moved into the dialog");
  const reasons = dialog.getByRole("radiogroup", { name: "Reason" }).or(dialog.getByRole("group", { name: "Reason" }));
  const compromised = reasons.getByRole("radio", { name: "The secret may be compromised", exact: true });
  const unused = reasons.getByRole("radio", { name: "No longer used", exact: true });
  await tabTo(page, compromised);
  await page.keyboard.press("ArrowDown"); // arrow keys move the choice within the group
  assert.ok(await isFocused(unused));
  assert.ok(await unused.isChecked());
  await tabTo(page, dialog.getByLabel(/^Comment/));
  await page.keyboard.type("the ledger job moved to another client");
  await tabTo(page, button(dialog, "Disable credential"));
  await page.keyboard.press("Enter");
  await dialog.waitFor({ state: "hidden" });
  await button(page, "Enable").waitFor();

  const audit = (await adminApi(backend, "alice", "GET", `/admin/audit?client_id=${created.clientId}`)).body;
  const change = audit.credential_changes.find((c) => c.detail?.reason);
  assert.deepEqual(change?.detail, { reason: "unused", comment: "the ledger job moved to another client" });

  const old = await apiClient(backend, { clientId: created.clientId, accessToken: created.accessToken });
  assert.equal(old.api_status, 200, `the token issued before still works (${JSON.stringify(old)})`);
  const fresh = await apiClient(backend, { clientId: created.clientId, secret: created.secret });
  assert.equal(fresh.token_status, 401, JSON.stringify(fresh));
  assert.equal(fresh.token_error, "invalid_client");
  assert.equal(fresh.access_token, null);
});

// ------------------------------------------------------------------ enable again

test("Enable gives it tokens again; disabling once more leaves it refused", STEP, async () => {
  const { page } = alice;
  await button(page, "Enable").click();
  await button(page, "Disable").waitFor();
  const enabled = await apiClient(backend, { clientId: created.clientId, secret: created.secret });
  assert.equal(enabled.token_status, 200, JSON.stringify(enabled));

  await button(page, "Disable").click();
  const dialog = page.getByRole("dialog", { name: "Disable credential" });
  await dialog.waitFor();
  await dialog.getByRole("radio", { name: "Paused for a security review", exact: true }).check();
  await button(dialog, "Disable credential").click();
  await dialog.waitFor({ state: "hidden" });
  await button(page, "Enable").waitFor();
  const refused = await apiClient(backend, { clientId: created.clientId, secret: created.secret });
  assert.equal(refused.token_status, 401, JSON.stringify(refused));
});

// ------------------------------------------------------------------ 7. delete

test("7. delete it through the confirmation dialog; the list shows it Deleted under the Status filter", STEP, async () => {
  const { page } = alice;
  await h1(page, NAME).waitFor();
  await button(page, "Delete").click();
  const dialog = page.getByRole("dialog", { name: "Delete credential" });
  await dialog.waitFor();
  const confirm = button(dialog, "Delete credential");
  const typed = dialog.getByLabel("Type the name to confirm", { exact: true });
  await typed.fill(NAME.slice(0, -1));
  assert.equal(await confirm.isDisabled(), true, "a wrong name does not confirm");
  await typed.fill(NAME);
  await confirm.click();
  await dialog.waitFor({ state: "hidden" });

  await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Credentials", exact: true }).click();
  await h1(page, "API credentials").waitFor();
  await page.getByLabel("Status", { exact: true }).selectOption({ label: "Deleted" });
  const table = page.getByRole("table", { name: "API credentials", exact: true });
  await table.getByRole("row").filter({ hasText: NAME }).first().waitFor();
  assert.equal(await cellText(table, NAME, "Status"), "Deleted");
  await page.getByLabel("Status", { exact: true }).selectOption({ label: "Enabled" });
  await table.getByRole("row").filter({ hasText: NAME }).waitFor({ state: "detached" });
  const record = await adminApi(backend, "alice", "GET", `/admin/credentials/${created.clientId}`);
  assert.equal(record.status, 200);
  assert.equal(record.body.status, "deleted", "the server holds the deletion");
});

// ------------------------------------------------------------------ approvals between two admins

test("an approval between two administrators: bob's production credential waits, only alice can approve it", { timeout: 120_000 }, async () => {
  const bob = await launch(backend);
  try {
    const page = bob.page;
    await signIn(page, "bob");
    await page.getByText("Signed in as bob (administrator)").waitFor();
    await button(page, "Create credentials").click();
    await h1(page, "Create API credentials").waitFor();
    await page.getByRole("group", { name: "Permission set type" })
      .getByRole("radio", { name: new RegExp(`\\b${SET_TYPE}\\b`, "i") }).check();
    await page.getByLabel("Name", { exact: true }).fill(BOB_NAME);
    await page.getByLabel(/^Description/).fill("Reads balances for the monthly report");
    await page.getByRole("group", { name: "IP addresses" }).getByRole("radio", { name: "All IP addresses", exact: true }).check();
    await page.getByRole("group", { name: "Environment" }).getByRole("radio", { name: "Production", exact: true }).check();
    await button(page, "Generate credentials").click();
    const dialog = page.getByRole("dialog", { name: "Your new credentials" });
    await dialog.waitFor();
    await dialog.getByText("Waiting for approval by another administrator").waitFor();
    const clientId = await dialog.getByLabel("Client ID", { exact: true }).inputValue();
    const secret = await dialog.getByLabel("Client secret", { exact: true }).inputValue();
    // By keyboard: Space ticks the box, Enter on "Done" closes the dialog.
    const stored = dialog.getByRole("checkbox", { name: "I have stored the secret", exact: true });
    await tabTo(page, stored);
    await page.keyboard.press("Space");
    assert.ok(await stored.isChecked());
    await tabTo(page, button(dialog, "Done"));
    await page.keyboard.press("Enter");
    await dialog.waitFor({ state: "hidden" });

    const pending = await apiClient(backend, { clientId, secret });
    assert.equal(pending.token_status, 401, `no token before the approval (${JSON.stringify(pending)})`);

    // Bob sees his own change without the buttons.
    const changes = (await adminApi(backend, "bob", "GET", "/admin/changes")).body.changes;
    const change = changes.find((c) => c.client_id === clientId);
    assert.ok(change, "the creation is a pending change");
    await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Approvals", exact: true }).click();
    await h1(page, "Approvals").waitFor();
    await page.getByText("Another administrator must approve this").first().waitFor();
    assert.equal(await button(page, `Approve change ${change.id}`).count(), 0, "no Approve button for one's own change");
    assert.equal(await button(page, `Reject change ${change.id}`).count(), 0);
    assert.deepEqual(bob.problems, []);

    // Alice approves it.
    const a = alice.page;
    await a.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Approvals", exact: true }).click();
    await h1(a, "Approvals").waitFor();
    const approve = button(a, `Approve change ${change.id}`);
    await approve.waitFor();
    await a.getByText(BOB_NAME).first().waitFor();
    await checkAxe(a, "approvals");
    await screenshot(a, "07-approvals");
    await approve.click();
    await approve.waitFor({ state: "detached" });
    const decided = (await adminApi(backend, "alice", "GET", `/admin/changes/${change.id}`)).body;
    assert.equal(decided.state, "approved");

    const approved = await apiClient(backend, { clientId, secret });
    assert.equal(approved.token_status, 200, JSON.stringify(approved));
    assert.equal(approved.api_status, 200, JSON.stringify(approved));
  } finally {
    await bob.close();
  }
});

// ------------------------------------------------------------------ audit

test("the Audit screen lists decisions and token requests, filtered by credential, a page at a time", STEP, async () => {
  const { page } = alice;
  // More calls than one page holds, with the token issued before "Disable" (it still works).
  for (let n = 0; n < 30; n += 1) {
    const call = await fetch(`${backend.url}/v1/vaults`, { headers: { authorization: `Bearer ${created.accessToken}` } });
    assert.equal(call.status, 200);
  }
  await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Audit", exact: true }).click();
  await h1(page, "Audit").waitFor();
  const decisions = page.getByRole("table", { name: "Decisions", exact: true });
  const tokens = page.getByRole("table", { name: "Token requests", exact: true });
  await decisions.getByText("/v1/vaults").first().waitFor();
  const server = (await adminApi(backend, "alice", "GET", `/admin/audit?client_id=${created.clientId}`)).body;
  const all = (await adminApi(backend, "alice", "GET", "/admin/audit")).body;
  assert.ok(all.token_requests.length > server.token_requests.length, "other credentials asked for tokens too");
  const filter = page.getByLabel("Credential", { exact: true });
  if ((await filter.evaluate((element) => element.tagName)) === "SELECT") {
    await filter.selectOption(created.clientId);
  } else {
    await filter.fill(created.clientId);
    await filter.press("Enter");
  }
  // Filtered: this credential's rows only, the refused request after "Disable" among them.
  const refused = server.token_requests.find((row) => !row.granted);
  assert.ok(refused, "the token request after Disable was refused and logged");
  await tokens.getByText(refused.reason).first().waitFor();
  const bodyRows = () => tokens.getByRole("row").filter({ has: page.getByRole("cell") });
  await bodyRows().nth(server.token_requests.length).waitFor({ state: "detached" });
  assert.equal(await bodyRows().count(), server.token_requests.length, "one row per token request of this credential");

  // Decisions, page by page: "Older" follows the server's cursor, "Newer" comes back.
  const decisionsLog = region(page, "Decisions");
  const decisionRows = () => decisions.getByRole("row").filter({ has: page.getByRole("cell") });
  const total = server.decisions.length;
  assert.ok(total > 30, `more decisions than one page (${total})`);
  const older = button(decisionsLog, "Older");
  const newer = button(decisionsLog, "Newer");
  await decisionRows().first().waitFor();
  const firstPage = await decisionRows().count();
  assert.ok(firstPage < total && total - firstPage !== firstPage, `a page (${firstPage} rows) tells apart from the next of ${total}`);
  assert.equal(await newer.isDisabled(), true, "no newer page than the newest");
  const newest = await decisionRows().first().textContent();
  await older.click();
  await page.waitForFunction(([name, expected]) => {
    const table = [...document.querySelectorAll("table")].find((t) => t.caption?.textContent.trim() === name);
    return table && table.tBodies[0].rows.length === expected;
  }, ["Decisions", Math.min(firstPage, total - firstPage)]);
  await newer.click();
  await page.waitForFunction(([name, expected]) => {
    const table = [...document.querySelectorAll("table")].find((t) => t.caption?.textContent.trim() === name);
    return table && table.tBodies[0].rows.length === expected;
  }, ["Decisions", firstPage]);
  assert.equal(await decisionRows().first().textContent(), newest);
  await checkAxe(page, "audit");
  await screenshot(page, "08-audit");
});

// ------------------------------------------------------------------ the list: filters and pages

test("the list filters by environment and loads more than one page", STEP, async () => {
  const { page } = alice;
  for (let n = 1; n <= 50; n += 1) {
    const made = await adminApi(backend, "alice", "POST", "/admin/credentials", {
      name: `Batch job ${String(n).padStart(2, "0")}`, description: "a sandbox batch job", permission_set_type: "monitoring",
      permissions: ["audit:read:org"], ip_allowlist: ["127.0.0.1"], environment: "sandbox",
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
  }
  const everything = (await adminApi(backend, "alice", "GET", "/admin/credentials?limit=500")).body.credentials;
  await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Credentials", exact: true }).click();
  await page.reload();
  await h1(page, "API credentials").waitFor();
  const table = page.getByRole("table", { name: "API credentials", exact: true });
  const rows = () => table.getByRole("row").filter({ has: page.getByRole("cell") });
  await rows().first().waitFor();
  const first = await rows().count();
  assert.ok(first < everything.length, `one page (${first}) is less than all ${everything.length}`);
  await button(page, "Load more").click();
  await rows().nth(everything.length - 1).waitFor();
  assert.equal(await rows().count(), everything.length);
  assert.equal(await button(page, "Load more").count(), 0, "no more pages");

  await page.getByLabel("Environment", { exact: true }).selectOption({ label: "Production" });
  const production = everything.filter((c) => c.environment === "production");
  await rows().nth(production.length).waitFor({ state: "detached" });
  assert.equal(await rows().count(), production.length);
  assert.equal(await cellText(table, BOB_NAME, "Environment"), "Production");
  await page.getByLabel("Environment", { exact: true }).selectOption({ label: "All" });
});

test("Sign out forgets the token and returns to the sign-in screen", STEP, async () => {
  const { page } = alice;
  await button(page, "Sign out").click();
  await h1(page, "Sign in").waitFor();
  const kept = await page.evaluate(() => JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage }));
  assert.ok(!kept.includes(backend.admins.alice.token), "no admin token stays in the browser");
  await page.reload();
  await h1(page, "Sign in").waitFor();
});

// ------------------------------------------------------------------ the whole run

test("no uncaught page error, no CSP violation, no request outside the backend", () => {
  assert.deepEqual(alice.problems, []);
});
