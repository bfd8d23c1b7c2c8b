// The credential form, for Create (POST /admin/credentials, then the one-time secret) and
// Edit (PATCH, with credgate.diff's changes and verdict before saving). The form only holds
// what the admin chose; credgate judges it on every change (validateSpec, lint, preview, diff
// in the browser) and again on the server, whose `invalid_spec` problems are shown in the same
// places and the same way. Every word offered (set types and their summaries and defaults,
// types, actions, the scopes each type allows, environments, limits) is credgate's
// vocabulary(). A field's problems show once it has been left, or after a submit attempt.

import { useEffect, useMemo, useRef, useState } from "preact/hooks";

import { admin } from "../api.js";
import { diff, lint, parsePermission, preview, validateSpec, vocabulary } from "../engine.js";
import { ALL_IPS, allowsEveryIp, label, plural } from "../format.js";
import { html } from "../html.js";
import { ErrorAlert, Message, Note } from "../message.js";
import { Field, GrantGrid, SecretDialog } from "../components.js";
import { notice } from "../notice.js";
import { Page } from "../page.js";
import { href, navigate, setLeaveGuard } from "../router.js";

let nextKey = 1;
const key = () => nextKey++;

const scopesOf = (words, type) => words.types.find((t) => t.type === type)?.scopes ?? [];

/**
 * A permission row from its text, as credgate parses it. Stored records and set-type defaults
 * always parse; should one not, its parts are kept as they are (never replaced by a default),
 * so the row says what was there and validation names the problem.
 */
function rowFrom(text) {
  const parsed = parsePermission(text);
  if (parsed.thrown) {
    const [type = "", action = "", scope = "", ...rest] = String(text).split(":");
    return { key: key(), type, action, scope, resource: rest.join(":") };
  }
  const p = parsed.value.permission;
  return { key: key(), type: p.type, action: p.action, scope: p.scope, resource: p.resource ?? "" };
}

/** The text form of a row. A resource typed before the scope became `org` is kept in the row, not sent. */
function permissionText(row, words) {
  const orgScope = words.scopes[0];
  return row.resource !== "" && row.scope !== orgScope
    ? `${row.type}:${row.action}:${row.scope}:${row.resource}`
    : `${row.type}:${row.action}:${row.scope}`;
}

/** The spec members of a stored record (what PATCH and diff compare). */
export function specOf(record) {
  return {
    name: record.name,
    description: record.description ?? "",
    permission_set_type: record.permission_set_type,
    permissions: record.permissions,
    ip_allowlist: record.ip_allowlist,
    environment: record.environment,
  };
}

/** Where a row's problem belongs: the control its code is about. */
function controlOf(code) {
  if (code.includes("resource")) return "resource";
  if (code.includes("scope")) return "scope";
  if (code.includes("action")) return "action";
  return "type";
}

function initialState(words, record) {
  if (!record) {
    return {
      setType: "", name: "", description: "", ipMode: "all", ips: [], environment: words.environments[0], rows: [],
    };
  }
  const every = allowsEveryIp(record.ip_allowlist);
  return {
    setType: record.permission_set_type,
    name: record.name,
    description: record.description ?? "",
    ipMode: every ? "all" : "limited",
    ips: every ? [] : record.ip_allowlist.map((value) => ({ key: key(), value })),
    environment: record.environment,
    rows: record.permissions.map((text) => rowFrom(text)),
  };
}

function CredentialForm({ record, policy, onSubmit, submitLabel, result }) {
  const words = vocabulary();
  const limits = words.limits;
  const [form, setForm] = useState(() => initialState(words, record));
  const [rowsEdited, setRowsEdited] = useState(false);
  const [touched, setTouched] = useState(() => new Set());
  const [submitted, setSubmitted] = useState(false);
  const [server, setServer] = useState(null); // { problems } from invalid_spec, or { error }
  const [busy, setBusy] = useState(false);
  const [focusId, setFocusId] = useState(null);
  const summaryRef = useRef(null);

  useEffect(() => {
    if (focusId) document.getElementById(focusId)?.focus();
    setFocusId(null);
  }, [focusId]);

  const change = (patch) => {
    setForm((f) => ({ ...f, ...patch }));
    setServer(null);
  };
  const touch = (...paths) => setTouched((t) => new Set([...t, ...paths]));
  // Leaving a field shows its problems, which moves what is below it. When focus left for a
  // button (a mouse press on "Generate credentials"), the problems wait for that click to
  // land first, or the button would move away under the pointer and the click be lost.
  const leave = (event, ...paths) => {
    if (event.currentTarget.contains?.(event.relatedTarget) && event.type === "focusout") return;
    if (event.relatedTarget?.tagName !== "BUTTON") {
      touch(...paths);
      return;
    }
    let done = false;
    const run = () => {
      if (done) return;
      done = true;
      window.removeEventListener("click", later, true);
      touch(...paths);
    };
    const later = () => setTimeout(run);
    window.addEventListener("click", later, true);
    setTimeout(run, 600); // focus moved by keyboard: no click is coming
  };

  const spec = {
    name: form.name,
    description: form.description,
    permission_set_type: form.setType,
    permissions: form.rows.map((r) => permissionText(r, words)),
    ip_allowlist: form.ipMode === "all" ? [ALL_IPS] : form.ips.map((ip) => ip.value),
    environment: form.environment,
  };
  const specKey = JSON.stringify(spec);

  const validation = useMemo(() => validateSpec(spec), [specKey]);
  const browserProblems = validation.thrown ? [validation.thrown] : validation.value.ok ? [] : validation.value.errors;
  const serverProblems = server?.problems ?? [];
  const problems = serverProblems.length ? serverProblems : browserProblems;
  const valid = !validation.thrown && validation.value.ok;
  const advice = useMemo(() => (valid ? lint({ spec }) : null), [specKey]);
  const findings = advice?.value?.ok ? advice.value.findings : [];
  const grants = useMemo(() => {
    const included = form.rows.map((r) => parsePermission(permissionText(r, words))).filter((p) => p.value).map((p) => p.value.canonical);
    return preview({ permissions: included });
  }, [specKey]);
  const changes = useMemo(() => (record ? diff({ before: specOf(record), after: spec }) : null), [specKey]);

  // A path's problems show once its field was left, after a submit, or when the server sent them.
  const rowKeyAt = (path) => {
    const m = /^(permissions|ip_allowlist)\[(\d+)\]$/.exec(path);
    if (!m) return null;
    const item = (m[1] === "permissions" ? form.rows : form.ips)[Number(m[2])];
    return item ? `${m[1]}#${item.key}` : null;
  };
  const shown = (path) => submitted || serverProblems.length > 0 || touched.has(path) || touched.has(rowKeyAt(path));
  const notesAt = (path) => [
    ...problems.filter((p) => p.path === path && shown(path)).map((item) => ({ item, kind: "problem" })),
    ...findings.filter((f) => f.path === path).map((item) => ({ item, kind: "advice" })),
  ];
  const noteIds = (prefix, notes) => notes.map((_, i) => `${prefix}-note-${i}`);

  // ------------------------------------------------------------------ set type
  const chooseSetType = (setType) => {
    const entry = words.set_types.find((s) => s.set_type === setType);
    const replace = !rowsEdited || form.rows.length === 0 ||
      window.confirm(`Replace the permissions you edited with the ${plural(entry.permissions.length, "default permission")} of ${label(setType)}?`);
    change(replace ? { setType, rows: entry.permissions.map((text) => rowFrom(text)) } : { setType });
    if (replace) setRowsEdited(false);
  };

  // ------------------------------------------------------------------ permission rows
  const setRow = (index, patch) => {
    const rows = form.rows.map((r, i) => {
      if (i !== index) return r;
      const next = { ...r, ...patch };
      if (patch.type && !scopesOf(words, next.type).includes(next.scope)) next.scope = scopesOf(words, next.type)[0];
      return next;
    });
    change({ rows });
    setRowsEdited(true);
  };
  const addRow = () => {
    const type = words.types[0].type;
    const row = { key: key(), type, action: words.actions[0], scope: scopesOf(words, type)[0], resource: "" };
    change({ rows: [...form.rows, row] });
    setRowsEdited(true);
    setFocusId(`perm-${row.key}-type`);
  };
  const removeRow = (index) => {
    const rows = form.rows.filter((_, i) => i !== index);
    change({ rows });
    setRowsEdited(true);
    touch("permissions");
    const next = rows[index] ?? rows[index - 1];
    setFocusId(next ? `perm-${next.key}-type` : "add-permission");
  };

  // ------------------------------------------------------------------ IP rows
  const setIpMode = (ipMode) => {
    const ips = ipMode === "limited" && form.ips.length === 0 ? [{ key: key(), value: "" }] : form.ips;
    change({ ipMode, ips });
  };
  const addIp = () => {
    const ip = { key: key(), value: "" };
    change({ ips: [...form.ips, ip] });
    setFocusId(`ip-${ip.key}`);
  };
  const removeIp = (index) => {
    const ips = form.ips.filter((_, i) => i !== index);
    change({ ips });
    touch("ip_allowlist");
    const next = ips[index] ?? ips[index - 1];
    setFocusId(next ? `ip-${next.key}` : "add-ip");
  };

  // ------------------------------------------------------------------ submit
  const submit = async (event) => {
    event.preventDefault();
    setSubmitted(true);
    if (!valid) {
      setServer(null);
      summaryRef.current?.focus();
      return;
    }
    setBusy(true);
    setServer(null);
    try {
      await onSubmit(spec);
    } catch (e) {
      setServer(e.code === "invalid_spec" && e.problems.length ? { problems: e.problems } : { error: e });
      setTimeout(() => summaryRef.current?.focus());
    } finally {
      setBusy(false);
    }
  };

  const summaryShown = submitted && problems.length > 0;
  const textLimits = limits.text_chars;
  const ipMax = limits.ip_allowlist.max;
  const orgScope = words.scopes[0];

  const setTypeNotes = notesAt("permission_set_type");
  const permNotes = notesAt("permissions");
  const ipNotes = notesAt("ip_allowlist");
  const envNotes = notesAt("environment");

  return html`<div class="editor">
    <form class="card spec" onSubmit=${submit} novalidate aria-labelledby="form-heading">
      <h2 id="form-heading" class="visually-hidden">Credential</h2>
      <div ref=${summaryRef} tabindex="-1" class="summary-slot">
        ${summaryShown && html`<div class="alert" role="alert">
          <p>${server?.problems ? "The server refused this credential: " : ""}${plural(problems.length, "problem")} to fix before ${record ? "saving" : "generating these credentials"}.</p>
          <ul>${problems.map((p) => html`<li title=${p.code} data-code=${p.code}><${Message} text=${p.message} /></li>`)}</ul>
        </div>`}
        <${ErrorAlert} error=${server?.error} />
      </div>

      <fieldset class="field" aria-describedby=${noteIds("set-type", setTypeNotes).join(" ") || undefined}
                onFocusOut=${(e) => leave(e, "permission_set_type")}>
        <legend>Permission set type</legend>
        <div class="set-types">
          ${words.set_types.map((s) => html`<div class="choice">
            <input type="radio" id=${`set-type-${s.set_type}`} name="set-type" value=${s.set_type}
                   checked=${form.setType === s.set_type} aria-describedby=${`set-type-${s.set_type}-summary`}
                   onChange=${() => chooseSetType(s.set_type)} />
            <label for=${`set-type-${s.set_type}`}>${label(s.set_type)}</label>
            <p id=${`set-type-${s.set_type}-summary`} class="hint">${s.summary}</p>
          </div>`)}
        </div>
        ${setTypeNotes.map((n, i) => html`<${Note} id=${`set-type-note-${i}`} item=${n.item} kind=${n.kind} />`)}
      </fieldset>

      <${Field} id="name" label="Name" value=${form.name} max=${textLimits.max}
        onInput=${(name) => change({ name })} onBlur=${(e) => leave(e, "name")} notes=${notesAt("name")} />
      <${Field} id="description" label="Description" optional value=${form.description} max=${textLimits.max}
        onInput=${(description) => change({ description })} onBlur=${(e) => leave(e, "description")} notes=${notesAt("description")} />

      <fieldset class="field" aria-describedby=${noteIds("ip", ipNotes).join(" ") || undefined}
                onFocusOut=${(e) => leave(e, "ip_allowlist")}>
        <legend>IP addresses</legend>
        <div class="choices">
          <label><input type="radio" name="ip-mode" value="all" checked=${form.ipMode === "all"} onChange=${() => setIpMode("all")} /> All IP addresses</label>
          <label><input type="radio" name="ip-mode" value="limited" checked=${form.ipMode === "limited"} onChange=${() => setIpMode("limited")} /> Limited</label>
        </div>
        ${form.ipMode === "limited" && html`<ol class="rows">
          ${form.ips.map((ip, i) => {
            const notes = notesAt(`ip_allowlist[${i}]`);
            const id = `ip-${ip.key}`;
            return html`<li key=${ip.key} class="row">
              <label for=${id}>IP address or CIDR ${i + 1}</label>
              <input id=${id} type="text" value=${ip.value} autocomplete="off" spellcheck="false" placeholder="203.0.113.0/24"
                     aria-invalid=${notes.some((n) => n.kind === "problem") ? "true" : undefined}
                     aria-describedby=${noteIds(id, notes).join(" ") || undefined}
                     onInput=${(e) => change({ ips: form.ips.map((x) => (x.key === ip.key ? { ...x, value: e.currentTarget.value } : x)) })}
                     onBlur=${(e) => leave(e, `ip_allowlist#${ip.key}`)} />
              <button type="button" class="remove" onClick=${() => removeIp(i)}>Remove<span class="visually-hidden"> IP address ${i + 1}</span></button>
              ${notes.map((n, j) => html`<${Note} id=${`${id}-note-${j}`} item=${n.item} kind=${n.kind} />`)}
            </li>`;
          })}
        </ol>
        <button type="button" id="add-ip" onClick=${addIp} disabled=${form.ips.length >= ipMax}>Add IP address</button>
        <p class="hint">Up to ${ipMax} IPv4 addresses or networks.</p>`}
        ${ipNotes.map((n, i) => html`<${Note} id=${`ip-note-${i}`} item=${n.item} kind=${n.kind} />`)}
      </fieldset>

      <fieldset class="field" aria-describedby=${noteIds("environment", envNotes).join(" ") || undefined}
                onFocusOut=${(e) => leave(e, "environment")}>
        <legend>Environment</legend>
        <div class="choices">
          ${words.environments.map((env) => html`<label><input type="radio" name="environment" value=${env}
            checked=${form.environment === env} onChange=${() => change({ environment: env })} /> ${label(env)}</label>`)}
        </div>
        ${envNotes.map((n, i) => html`<${Note} id=${`environment-note-${i}`} item=${n.item} kind=${n.kind} />`)}
      </fieldset>

      <fieldset class="field permissions" aria-describedby=${noteIds("permissions", permNotes).join(" ") || undefined}>
        <legend>Permissions</legend>
        <table class="editor-table">
          <caption class="visually-hidden">Permissions</caption>
          <thead><tr><th scope="col">#</th><th scope="col">Type</th><th scope="col">Action</th><th scope="col">Scope</th><th scope="col">Resource</th><th scope="col"><span class="visually-hidden">Remove</span></th></tr></thead>
          <tbody>
            ${form.rows.map((row, i) => {
              const path = `permissions[${i}]`;
              const notes = notesAt(path);
              const base = `perm-${row.key}`;
              const describedBy = noteIds(base, notes).join(" ") || undefined;
              const bad = (control) => (notes.some((n) => n.kind === "problem" && controlOf(n.item.code) === control) ? "true" : undefined);
              const leaveRow = (e) => leave(e, `permissions#${row.key}`, "permissions");
              const org = row.scope === orgScope;
              return html`<tr key=${row.key} onFocusOut=${leaveRow}>
                <th scope="row">${i + 1}</th>
                <td><select id=${`${base}-type`} aria-label="Type" value=${row.type} aria-invalid=${bad("type")} aria-describedby=${describedBy}
                      onChange=${(e) => setRow(i, { type: e.currentTarget.value })}>
                  ${words.types.map((t) => html`<option value=${t.type}>${t.type}</option>`)}
                </select></td>
                <td><select id=${`${base}-action`} aria-label="Action" value=${row.action} aria-invalid=${bad("action")} aria-describedby=${describedBy}
                      onChange=${(e) => setRow(i, { action: e.currentTarget.value })}>
                  ${words.actions.map((a) => html`<option value=${a}>${a}</option>`)}
                </select></td>
                <td><select id=${`${base}-scope`} aria-label="Scope" value=${row.scope} aria-invalid=${bad("scope")} aria-describedby=${describedBy}
                      onChange=${(e) => setRow(i, { scope: e.currentTarget.value })}>
                  ${scopesOf(words, row.type).map((s) => html`<option value=${s}>${s}</option>`)}
                </select></td>
                <td><input id=${`${base}-resource`} type="text" aria-label="Resource" value=${org ? "" : row.resource} disabled=${org}
                      placeholder=${org ? "whole organisation" : `every ${row.scope}`}
                      autocomplete="off" spellcheck="false" aria-invalid=${bad("resource")} aria-describedby=${describedBy}
                      onInput=${(e) => setRow(i, { resource: e.currentTarget.value })} /></td>
                <td><button type="button" class="remove" onClick=${() => removeRow(i)}>Remove<span class="visually-hidden"> permission ${i + 1}</span></button></td>
              </tr>`;
            })}
          </tbody>
        </table>
        ${form.rows.map((row, i) => notesAt(`permissions[${i}]`).map((n, j) =>
          html`<${Note} key=${`${row.key}-${j}`} id=${`perm-${row.key}-note-${j}`} item=${n.item} kind=${n.kind} prefix=${`Permission ${i + 1}: `} />`))}
        ${form.rows.length === 0 && html`<p class="empty">No permissions yet: choose a permission set type, or add one.</p>`}
        <button type="button" id="add-permission" onClick=${addRow} disabled=${form.rows.length >= limits.permissions.max}>Add permission</button>
        ${permNotes.map((n, i) => html`<${Note} id=${`permissions-note-${i}`} item=${n.item} kind=${n.kind} />`)}
      </fieldset>

      ${result}
      <div class="actions">
        <button type="submit" class="primary" id="submit-credential" disabled=${busy}>${submitLabel}</button>
      </div>
    </form>

    <aside class="side">
      ${changes && html`<${ChangesPanel} changes=${changes} record=${record} policy=${policy} after=${spec} />`}
      <section class="card" aria-labelledby="effective-heading">
        <h2 id="effective-heading">Effective permissions</h2>
        <div aria-live="polite">
          ${grants.thrown ? html`<${Note} item=${grants.thrown} />` : html`<${GrantGrid} view=${grants.value} />`}
        </div>
      </section>
      <section class="card" aria-labelledby="advice-heading">
        <h2 id="advice-heading">Advice</h2>
        <div aria-live="polite">
          ${!valid ? html`<p class="hint">Advice appears once the credential is valid.</p>`
            : findings.length === 0 ? html`<p class="ok">No advice: nothing here looks unintended.</p>`
            : html`<ul class="findings">${findings.map((f) => html`<li><${Note} item=${f} kind="advice" /></li>`)}</ul>`}
        </div>
      </section>
    </aside>
  </div>`;
}

/** Whether the approval policy holds a change that grants new access (GET /admin/approval-policy's words). */
function needsApproval(policy, before, after) {
  return policy === "always" || (policy === "production" && [before, after].includes("production"));
}

function ChangeList({ title, added, removed }) {
  if (added.length === 0 && removed.length === 0) return null;
  return html`<h3>${title}</h3><ul class="changes">
    ${added.map((t) => html`<li class="added"><span class="visually-hidden">Added: </span><code>${t}</code></li>`)}
    ${removed.map((t) => html`<li class="removed"><span class="visually-hidden">Removed: </span><code>${t}</code></li>`)}
  </ul>`;
}

/** credgate.diff of the stored spec and the form: what changes and whether it grants new access. */
export function ChangesPanel({ changes, record, policy, after }) {
  let body;
  if (changes.thrown || changes.value.ok === false) {
    body = html`<p class="hint">The changes appear once the credential is valid.</p>`;
  } else {
    const d = changes.value;
    const nothing = d.permissions.added.length + d.permissions.removed.length + d.ip_allowlist.added.length + d.ip_allowlist.removed.length === 0 && !d.environment;
    const approval = d.grants_new_access && policy && needsApproval(policy, record.environment, after.environment);
    body = html`
      <p class=${`verdict ${d.grants_new_access ? "grants" : "safe"}`}>
        ${d.grants_new_access ? "Grants new access" : "No new access"}${approval ? " — needs approval" : ""}
      </p>
      ${nothing && html`<p class="hint">No access changes${after.name !== record.name || (after.description ?? "") !== (record.description ?? "") ? " (the name or description changes)" : ""}.</p>`}
      <${ChangeList} title="Permissions" added=${d.permissions.added} removed=${d.permissions.removed} />
      <${ChangeList} title="IP addresses" added=${d.ip_allowlist.added} removed=${d.ip_allowlist.removed} />
      ${d.environment && html`<h3>Environment</h3><p>${label(d.environment.before)} → ${label(d.environment.after)}</p>`}
      ${d.new_access.length > 0 && html`<ul class="findings">${d.new_access.map((n) => html`<li><${Note} item=${n} kind="advice" /></li>`)}</ul>`}`;
  }
  return html`<section class="card" aria-labelledby="changes-heading">
    <h2 id="changes-heading">Changes</h2>
    <div aria-live="polite">${body}</div>
  </section>`;
}

export function CreateCredential() {
  const [secret, setSecret] = useState(null);

  useEffect(() => (secret ? setLeaveGuard("Leave this page? The client secret will be lost: it is shown only once.") : undefined), [secret]);

  const create = async (spec) => {
    const { status, body } = await admin.create(spec);
    setSecret({ clientId: body.client_id, clientSecret: body.client_secret, pendingChange: status === 202 ? body.change_id : null });
  };
  const done = () => {
    setSecret(null);
    notice.set("The credentials were created.");
    // The leave guard goes with the dialog (its effect's cleanup) before the route changes.
    setTimeout(() => navigate("credentials"));
  };

  return html`<${Page} title="Create API credentials">
    <p class="lede">Every check on this page is made by credgate's core in your browser, and again by the server.</p>
    <${CredentialForm} onSubmit=${create} submitLabel="Generate credentials" />
    ${secret && html`<${SecretDialog} ...${secret} onDone=${done} />`}
  </${Page}>`;
}

export function EditCredential({ clientId }) {
  const [record, setRecord] = useState(null);
  const [policy, setPolicy] = useState(null);
  const [error, setError] = useState(null);
  const [pending, setPending] = useState(null);

  useEffect(() => {
    admin.credential(clientId).then(({ body }) => setRecord(body), setError);
    admin.policy().then(({ body }) => setPolicy(body.policy), () => setPolicy(null));
  }, [clientId]);

  const save = async (spec) => {
    const { status, body } = await admin.update(clientId, spec);
    if (status === 202) {
      setPending(body.change_id);
      return;
    }
    notice.set("Changes saved.");
    navigate("credentials", clientId);
  };

  const title = record ? `Edit ${record.name}` : "Edit credential";
  return html`<${Page} title=${title}>
    <p class="back"><a href=${href("credentials", clientId)}>Back to the credential</a></p>
    <${ErrorAlert} error=${error} />
    ${record && html`<${CredentialForm} record=${record} policy=${policy} onSubmit=${save} submitLabel="Save changes"
      result=${pending != null && html`<p class="pending" role="status">Waiting for approval by another administrator (change ${pending}).
        <a href=${href("approvals")}>See approvals</a></p>`} />`}
  </${Page}>`;
}
