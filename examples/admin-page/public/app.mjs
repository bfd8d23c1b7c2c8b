// The credgate admin preview page: reads the form, asks the `credgate` package (credgate's
// Rust core compiled to WebAssembly) about it on every keystroke, and renders the answers.
// The page decides nothing itself: validity, problems, advice, default permissions and what a
// permission list allows all come from the package.

const $ = (id) => document.getElementById(id);

const status = $("engine-status");

let credgate;
try {
  // The package's `--target web` build (wasm/pkg), served next to the page under /pkg/.
  credgate = await import("./pkg/credgate.js");
  await credgate.default({ module_or_path: new URL("./pkg/credgate_bg.wasm", import.meta.url) });
} catch (error) {
  status.textContent = `credgate could not be loaded: ${error.message}`;
  status.setAttribute("role", "alert");
  document.body.dataset.credgate = "failed";
  throw error;
}

const { validateSpec, lint, preview, setTypeDefaults, parsePermission, operations, codes } = credgate;

status.textContent =
  `credgate loaded: WebAssembly module with ${operations().length} operations and ` +
  `${codes().length} stable codes, running locally.`;

// ---------------------------------------------------------------------------------------
// Small DOM helpers.
// ---------------------------------------------------------------------------------------

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "dataset") Object.assign(node.dataset, value);
    else if (name === "class") node.className = value;
    else node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

const code = (text) => el("code", {}, text);

function plural(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}

/** Runs a package call; a thrown CredgateError becomes `{ thrown: {code, message, index?} }`. */
function attempt(call) {
  try {
    return { value: call() };
  } catch (error) {
    return { thrown: { code: error.code ?? "error", message: error.message, index: error.index } };
  }
}

// ---------------------------------------------------------------------------------------
// Editable lists of text lines (permissions, IP allowlist).
// ---------------------------------------------------------------------------------------

function lineList(list, onChange) {
  const { path, label, placeholder } = list.dataset;
  const noun = label.toLowerCase();

  function renumber() {
    [...list.children].forEach((row, i) => {
      const id = `${path}-${i}`;
      const input = row.querySelector("input");
      const caption = row.querySelector("label");
      const notes = row.querySelector(".notes");
      input.id = id;
      caption.htmlFor = id;
      caption.textContent = `${label} ${i + 1}`;
      notes.id = `${id}-notes`;
      notes.dataset.notesFor = `${path}[${i}]`;
      notes.dataset.control = id;
      input.setAttribute("aria-describedby", notes.id);
      row.querySelector("button").setAttribute("aria-label", `Remove ${noun} ${i + 1}`);
    });
  }

  function add(value = "") {
    const input = el("input", { type: "text", autocomplete: "off", spellcheck: "false", placeholder });
    input.value = value;
    list.append(
      el("li", { class: "row" },
        el("label", { class: "row-label" }),
        input,
        el("button", { type: "button", class: "remove" }, "Remove"),
        el("div", { class: "notes" })),
    );
    renumber();
    return input;
  }

  list.addEventListener("click", (event) => {
    const button = event.target.closest("button.remove");
    if (!button) return;
    const row = button.closest("li");
    const next = row.nextElementSibling ?? row.previousElementSibling;
    row.remove();
    renumber();
    onChange();
    (next?.querySelector("input") ?? list.parentElement.querySelector("button.add")).focus();
  });

  return {
    add,
    set(values) {
      list.replaceChildren();
      values.forEach((value) => add(value));
    },
    values: () => [...list.querySelectorAll("input")].map((input) => input.value),
  };
}

// ---------------------------------------------------------------------------------------
// Sample vaults (and their keys) for the preview.
// ---------------------------------------------------------------------------------------

function sampleList(list, onChange) {
  function renumber() {
    [...list.children].forEach((row, i) => {
      const [vault, keys] = row.querySelectorAll("input");
      const [vaultLabel, keysLabel] = row.querySelectorAll("label");
      vault.id = `sample-vault-${i}`;
      keys.id = `sample-keys-${i}`;
      vaultLabel.htmlFor = vault.id;
      keysLabel.htmlFor = keys.id;
      vaultLabel.textContent = `Vault ${i + 1} id`;
      keysLabel.textContent = `Vault ${i + 1} key ids`;
      row.querySelector("button").setAttribute("aria-label", `Remove sample vault ${i + 1}`);
    });
  }

  function add(vaultId = "", keyIds = "") {
    const vault = el("input", { type: "text", autocomplete: "off", spellcheck: "false", placeholder: "vlt_01" });
    const keys = el("input", {
      type: "text", autocomplete: "off", spellcheck: "false", placeholder: "key_01 key_02",
      title: "Key ids in this vault, separated by spaces or commas",
    });
    vault.value = vaultId;
    keys.value = keyIds;
    list.append(
      el("li", { class: "row sample" },
        el("label", { class: "row-label" }), vault,
        el("label", { class: "row-label" }), keys,
        el("button", { type: "button", class: "remove" }, "Remove")),
    );
    renumber();
    return vault;
  }

  list.addEventListener("click", (event) => {
    const button = event.target.closest("button.remove");
    if (!button) return;
    button.closest("li").remove();
    renumber();
    onChange();
    $("add-sample").focus();
  });

  return {
    add,
    /** The `resources` input of `preview`: `{vaults: {id: [key ids]}}`; rows without a vault id are not sent yet. */
    resources() {
      const vaults = {};
      for (const row of list.children) {
        const [vault, keys] = row.querySelectorAll("input");
        if (vault.value === "") continue;
        const ids = keys.value.split(/[\s,]+/).filter(Boolean);
        vaults[vault.value] = [...(vaults[vault.value] ?? []), ...ids];
      }
      return { vaults };
    },
  };
}

// ---------------------------------------------------------------------------------------
// Reading the form.
// ---------------------------------------------------------------------------------------

const form = $("spec-form");
const permissions = lineList($("permissions"), update);
const allowlist = lineList($("ip-allowlist"), update);
const samples = sampleList($("samples"), update);

/** The credential spec exactly as the form holds it; credgate judges every member. */
function readSpec() {
  return {
    name: $("name").value,
    description: $("description").value,
    permission_set_type: $("set-type").value,
    permissions: permissions.values(),
    ip_allowlist: allowlist.values(),
    environment: form.elements.environment.value,
  };
}

// ---------------------------------------------------------------------------------------
// Rendering credgate's answers.
// ---------------------------------------------------------------------------------------

/** Shows problems and findings next to the field their `path` names. */
function annotateFields(problems, findings) {
  for (const slot of document.querySelectorAll("[data-notes-for]")) slot.replaceChildren();
  for (const control of form.querySelectorAll("[aria-invalid]")) control.removeAttribute("aria-invalid");
  const place = (item, kind) => {
    const slot = document.querySelector(`[data-notes-for="${CSS.escape(item.path)}"]`);
    if (!slot) return;
    slot.append(el("p", { class: `note ${kind}`, dataset: { code: item.code } }, code(item.code), " ", item.message));
    if (kind === "problem" && slot.dataset.control) $(slot.dataset.control)?.setAttribute("aria-invalid", "true");
  };
  problems.forEach((p) => place(p, "problem"));
  findings.forEach((f) => place(f, "finding"));
}

/** Fills a path/code/message report table. */
function report(table, items) {
  table.tBodies[0].replaceChildren(
    ...items.map((item) =>
      el("tr", { dataset: { path: item.path, code: item.code } },
        el("td", {}, code(item.path || "(spec)")),
        el("td", {}, code(item.code)),
        el("td", {}, item.message))),
  );
  table.hidden = items.length === 0;
}

function renderValidation(result) {
  const summary = $("validation-summary");
  if (result.thrown) {
    summary.textContent = `credgate refused the input: ${result.thrown.code}: ${result.thrown.message}`;
    report($("problems"), []);
    return [];
  }
  const validation = result.value;
  const problems = validation.ok ? [] : validation.errors;
  summary.dataset.valid = String(validation.ok);
  summary.textContent = validation.ok
    ? "Valid: credgate would accept this credential."
    : `${plural(problems.length, "problem")} to fix before this credential can be created.`;
  report($("problems"), problems);
  return problems;
}

function renderLint(result) {
  const summary = $("lint-summary");
  if (result.thrown) {
    summary.textContent = `credgate refused the input: ${result.thrown.code}: ${result.thrown.message}`;
    report($("findings"), []);
    return [];
  }
  const lintReport = result.value;
  const findings = lintReport.ok ? lintReport.findings : [];
  summary.textContent = !lintReport.ok
    ? "Advice appears once the credential is valid."
    : findings.length === 0
      ? "No advice: nothing here looks unintended."
      : `${plural(findings.length, "finding")} worth a second look (advice, not a refusal).`;
  report($("findings"), findings);
  return findings;
}

function reach(all, ids, everything) {
  if (all) return everything;
  return ids.length ? ids.join(", ") : "none";
}

function renderPreview(lines) {
  // Only the lines credgate parses can be previewed; the others are listed with credgate's reason.
  const parsed = lines.map((text, index) => ({ index, ...attempt(() => parsePermission(text)) }));
  const included = parsed.filter((p) => p.value).map((p) => p.value.canonical);
  const excluded = parsed.filter((p) => p.thrown);
  $("preview-excluded").replaceChildren(
    ...excluded.map((p) =>
      el("li", { dataset: { path: `permissions[${p.index}]`, code: p.thrown.code } },
        `Permission ${p.index + 1} is left out of the preview: `, code(p.thrown.code))),
  );

  const resources = samples.resources();
  let result = attempt(() => preview({ permissions: included, resources }));
  const samplesProblem = $("samples-problem");
  samplesProblem.replaceChildren();
  if (result.thrown && result.thrown.index === undefined) {
    // A sample id credgate rejects: show why, and still show the grants without resources.
    samplesProblem.append(code(result.thrown.code), " ", result.thrown.message);
    result = attempt(() => preview({ permissions: included }));
  }

  const summary = $("preview-summary");
  const grants = $("grants");
  const table = $("resources");
  if (result.thrown) {
    summary.textContent = `credgate could not preview these permissions: ${result.thrown.code}: ${result.thrown.message}`;
    grants.hidden = true;
    table.hidden = true;
    return;
  }
  const view = result.value;
  summary.textContent = view.grants.length
    ? `${plural(view.permissions.length, "permission")} previewed: ${plural(view.grants.length, "type and action", "types and actions")} granted.`
    : "No permissions to preview yet: this credential would be allowed nothing.";

  grants.tBodies[0].replaceChildren(
    ...view.grants.map((g) =>
      el("tr", { dataset: { type: g.type, action: g.action } },
        el("th", { scope: "row" }, g.type),
        el("td", {}, g.action),
        el("td", { dataset: { column: "org" } }, g.org ? "yes" : "no"),
        el("td", { dataset: { column: "vaults" } }, reach(g.all_vaults, g.vaults, "every vault")),
        el("td", { dataset: { column: "keys" } }, reach(g.all_keys, g.keys, "every key")))),
  );
  grants.hidden = view.grants.length === 0;

  if (!view.resources) {
    table.hidden = true;
    return;
  }
  const rows = [
    ["org", "Organisation (no vault, no key)", view.resources.org],
    ...Object.entries(view.resources.vaults).map(([id, allowed]) => [`vault:${id}`, `Vault ${id}`, allowed]),
    ...Object.entries(view.resources.keys).map(([id, allowed]) => [`key:${id}`, `Key ${id}`, allowed]),
  ];
  table.tBodies[0].replaceChildren(
    ...rows.map(([resource, title, allowed]) =>
      el("tr", { dataset: { resource } },
        el("th", { scope: "row" }, title),
        el("td", {},
          allowed.length
            ? el("ul", { class: "chips" }, ...allowed.map((pair) => el("li", { dataset: { allowed: pair } }, pair)))
            : el("span", { class: "nothing" }, "nothing")))),
  );
  table.hidden = false;
}

function update() {
  const spec = readSpec();
  $("spec-json").textContent = JSON.stringify(spec, null, 2);
  const problems = renderValidation(attempt(() => validateSpec(spec)));
  const findings = renderLint(attempt(() => lint({ spec })));
  annotateFields(problems, findings);
  renderPreview(spec.permissions);
}

// ---------------------------------------------------------------------------------------
// Wiring.
// ---------------------------------------------------------------------------------------

form.addEventListener("input", update);
form.addEventListener("submit", (event) => event.preventDefault());
$("samples").addEventListener("input", update);

$("set-type").addEventListener("change", () => {
  const setType = $("set-type").value;
  const filled = $("set-type-filled");
  if (setType !== "") {
    const result = attempt(() => setTypeDefaults(setType));
    if (result.thrown) {
      filled.textContent = `${result.thrown.code}: ${result.thrown.message}`;
    } else {
      permissions.set(result.value.permissions);
      filled.textContent =
        `Filled in the ${plural(result.value.permissions.length, "default permission")} of ${setType}.`;
    }
  }
  update();
});

$("add-permission").addEventListener("click", () => {
  const input = permissions.add();
  update();
  input.focus();
});
$("add-ip").addEventListener("click", () => {
  const input = allowlist.add();
  update();
  input.focus();
});
$("add-sample").addEventListener("click", () => {
  const input = samples.add();
  update();
  input.focus();
});

update();
document.body.dataset.credgate = "ready";
