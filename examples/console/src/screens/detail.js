// One credential: its permissions and their effective grid (credgate.preview), IP entries,
// usage (GET …/usage), recent activity (GET /admin/audit?client_id=), "Try a request"
// (credgate.explain in the browser), its secrets and rotation (the new secret in the
// one-time dialog), and the lifecycle: Disable (with a reason), Enable, Delete (typing the
// name to confirm). The server decides each change; this screen asks and shows the answer.

import { useEffect, useRef, useState } from "preact/hooks";

import { admin, DISABLE_REASONS, MAX_DISABLE_COMMENT } from "../api.js";
import { explain, preview, vocabulary } from "../engine.js";
import { ago, allowsEveryIp, formatTime, label, nowSeconds } from "../format.js";
import { html } from "../html.js";
import { ErrorAlert, Note } from "../message.js";
import { DataTable, Dialog, Field, GrantGrid, SecretDialog } from "../components.js";
import { notice } from "../notice.js";
import { Page } from "../page.js";
import { href, navigate, setLeaveGuard } from "../router.js";
import { lastUsed } from "./credentials.js";

const GRACE = [
  [0, "No grace: the current secret stops working now"],
  [3600, "1 hour"],
  [86400, "1 day"],
  [7 * 86400, "7 days"],
];

function Section({ id, title, children }) {
  return html`<section class="card" aria-labelledby=${id}>
    <h2 id=${id}>${title}</h2>
    ${children}
  </section>`;
}

function DisableDialog({ record, onClose, onDone }) {
  const [reason, setReason] = useState("");
  const [comment, setComment] = useState("");
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const tooLong = [...comment].length > MAX_DISABLE_COMMENT;

  const confirm = async () => {
    setBusy(true);
    setError(null);
    const body = {};
    if (reason) body.reason = reason;
    if (comment.trim() !== "") body.comment = comment;
    try {
      await admin.disable(record.client_id, body);
      onDone("The credential is disabled: it can obtain no new token. Tokens already issued work until they expire.");
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };

  return html`<${Dialog} labelledBy="disable-title" onClose=${onClose}>
    <h2 id="disable-title">Disable credential</h2>
    <p>${record.name} will obtain no new token until it is enabled again.</p>
    <fieldset class="field">
      <legend>Reason</legend>
      ${DISABLE_REASONS.map(([value, text]) => html`<div class="choice">
        <input type="radio" id=${`reason-${value}`} name="disable-reason" value=${value} checked=${reason === value}
               onChange=${() => setReason(value)} />
        <label for=${`reason-${value}`}>${text}</label>
      </div>`)}
    </fieldset>
    <${Field} id="disable-comment" label="Comment" optional multiline value=${comment} max=${MAX_DISABLE_COMMENT} onInput=${setComment} />
    <${ErrorAlert} error=${error} />
    <div class="actions">
      <button type="button" class="danger" onClick=${confirm} disabled=${busy || tooLong}>Disable credential</button>
      <button type="button" onClick=${onClose}>Cancel</button>
    </div>
  </${Dialog}>`;
}

function DeleteDialog({ record, onClose, onDone }) {
  const [typed, setTyped] = useState("");
  const deleted = useRef(false);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);

  const confirm = async () => {
    setBusy(true);
    try {
      await admin.remove(record.client_id);
      deleted.current = true;
      onDone("The credential is deleted: it can never obtain a token again.");
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };

  // Deleting removes the buttons that opened this dialog: focus goes to the screen's heading.
  return html`<${Dialog} labelledBy="delete-title" onClose=${onClose} returnFocus=${() => (deleted.current ? document.querySelector("main h1") : null)}>
    <h2 id="delete-title">Delete credential</h2>
    <p id="delete-warning">Deleting is final: <strong>${record.name}</strong> can never obtain a token again.
      Tokens already issued stay valid until they expire (at most an hour).</p>
    <${Field} id="delete-confirm" label="Type the name to confirm" value=${typed} onInput=${setTyped}
      hint=${`Type ${record.name} exactly.`} />
    <${ErrorAlert} error=${error} />
    <div class="actions">
      <button type="button" class="danger" onClick=${confirm} disabled=${busy || typed !== record.name}>Delete credential</button>
      <button type="button" onClick=${onClose}>Cancel</button>
    </div>
  </${Dialog}>`;
}

function TryRequest({ record }) {
  const words = vocabulary();
  const [type, setType] = useState(words.types[0].type);
  const [action, setAction] = useState(words.actions[0]);
  const [vault, setVault] = useState("");
  const [keyId, setKeyId] = useState("");
  const [answer, setAnswer] = useState(null);

  const run = (event) => {
    event.preventDefault();
    const request = { type, action };
    if (vault !== "") request.vault = vault;
    if (keyId !== "") request.key = keyId;
    setAnswer(explain({ permissions: record.permissions, request }));
  };

  let result = null;
  if (answer?.thrown) {
    result = html`<${Note} item=${answer.thrown} />`;
  } else if (answer) {
    const e = answer.value;
    result = html`<p class=${e.allowed ? "allowed" : "denied"}>
        ${e.allowed ? html`Allowed by <code>${e.matched}</code>` : "Denied"}
        ${!e.allowed && html` <span class="reason" title=${e.reason}>(<code>${e.reason}</code>)</span>`}
      </p>
      ${e.narrowest && (e.allowed
        ? e.wider_than_needed && html`<p>A narrower grant would do: <code>${e.narrowest}</code></p>`
        : html`<p>The narrowest grant that would allow it: <code>${e.narrowest}</code></p>`)}
      ${e.near_misses?.length > 0 && html`<p>Near misses: ${e.near_misses.map((m, i) => html`${i ? ", " : ""}<code>${m}</code>`)}</p>`}`;
  }

  return html`<form class="try" onSubmit=${run} novalidate>
    <div class="try-fields">
      <div class="field"><label for="try-type">Type</label>
        <select id="try-type" value=${type} onChange=${(e) => setType(e.currentTarget.value)}>
          ${words.types.map((t) => html`<option value=${t.type}>${t.type}</option>`)}
        </select></div>
      <div class="field"><label for="try-action">Action</label>
        <select id="try-action" value=${action} onChange=${(e) => setAction(e.currentTarget.value)}>
          ${words.actions.map((a) => html`<option value=${a}>${a}</option>`)}
        </select></div>
      <div class="field"><label for="try-vault">Vault</label>
        <input id="try-vault" type="text" value=${vault} autocomplete="off" spellcheck="false" onInput=${(e) => setVault(e.currentTarget.value)} /></div>
      <div class="field"><label for="try-key">Key</label>
        <input id="try-key" type="text" value=${keyId} autocomplete="off" spellcheck="false" onInput=${(e) => setKeyId(e.currentTarget.value)} /></div>
    </div>
    <button type="submit">Explain</button>
    <div class="try-result" role="status" aria-live="polite">${result}</div>
  </form>`;
}

/** A change's stored disable reason and comment, in the words the Disable dialog offered. */
function reasonText(detail) {
  if (!detail) return "";
  const reason = DISABLE_REASONS.find(([value]) => value === detail.reason)?.[1] ?? detail.reason ?? "";
  return [reason, detail.comment].filter(Boolean).join(": ");
}

function Activity({ clientId, stamp }) {
  const [log, setLog] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    admin.audit({ client_id: clientId, limit: 20 }).then(({ body }) => setLog(body), setError);
  }, [clientId, stamp]);
  if (error) return html`<${ErrorAlert} error=${error} />`;
  if (!log) return html`<p role="status">Loading…</p>`;
  return html`
    <${DataTable} caption="Recent API calls" rows=${log.decisions} rowKey=${(r) => r.id} empty="No API calls yet"
      columns=${[
        ["Time", (r) => formatTime(r.time)],
        ["Request", (r) => `${r.method} ${r.path}`],
        ["Decision", (r) => html`<span class=${r.allowed ? "allowed" : "denied"}>${r.allowed ? "Allowed" : "Denied"}</span>`],
        ["Reason", (r) => html`<code>${r.matched ?? r.reason}</code>`],
        ["Client IP", (r) => r.client_ip],
      ]} />
    <${DataTable} caption="Recent token requests" rows=${log.token_requests} rowKey=${(r) => r.id} empty="No token requests yet"
      columns=${[
        ["Time", (r) => formatTime(r.time)],
        ["Result", (r) => (r.granted ? "Token issued" : html`Refused (<code>${r.reason}</code>)`)],
        ["Client IP", (r) => r.client_ip],
      ]} />
    <${DataTable} caption="Recent changes" rows=${log.credential_changes ?? []} rowKey=${(r) => r.id} empty="No changes yet"
      columns=${[
        ["Time", (r) => formatTime(r.time)],
        ["Change", (r) => label(r.action)],
        ["By", (r) => r.admin ?? ""],
        ["Status", (r) => (r.from_status === r.status ? label(r.status) : `${label(r.from_status)} → ${label(r.status)}`)],
        ["Reason", (r) => reasonText(r.detail)],
      ]} />
    <p><a href=${`${href("audit")}?client_id=${encodeURIComponent(clientId)}`}>The full audit of this credential</a></p>`;
}

function Usage({ record, stamp }) {
  const [usage, setUsage] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    admin.usage(record.client_id).then(({ body }) => setUsage(body), setError);
  }, [record.client_id, stamp]);
  return html`<p>Last used: ${lastUsed(record)}${record.last_used_at != null ? ` (${formatTime(record.last_used_at)})` : ""}</p>
    <${ErrorAlert} error=${error} />
    ${usage && html`<${DataTable} caption="Requests per permission" rows=${usage.permissions} rowKey=${(p) => p.permission} empty="No permissions"
      columns=${[
        ["Permission", (p) => html`<code>${p.permission}</code>`],
        ["Requests", (p) => String(p.count)],
        ["Last used", (p) => (p.last_used_at == null ? "Never" : ago(p.last_used_at))],
      ]} />
      ${usage.findings.length > 0 && html`<ul class="findings">${usage.findings.map((f) => html`<li><${Note} item=${f} kind="advice" /></li>`)}</ul>`}`}`;
}

function Secrets({ record, onRotated }) {
  const [grace, setGrace] = useState(86400);
  const [issued, setIssued] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const live = record.status !== "deleted";

  useEffect(() => (issued ? setLeaveGuard("Leave this page? The new client secret will be lost: it is shown only once.") : undefined), [issued]);

  const rotate = async () => {
    setBusy(true);
    setError(null);
    try {
      const { body } = await admin.rotate(record.client_id, grace);
      setIssued({ clientId: body.client_id, clientSecret: body.client_secret });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const now = nowSeconds();
  return html`
    <${DataTable} caption="Secrets" hideCaption rows=${record.secrets} rowKey=${(s) => s.index}
      columns=${[
        ["Secret", (s) => `Secret ${s.index + 1}`],
        ["Created", (s) => formatTime(s.created_at)],
        ["Expires", (s) => (s.expires_at == null ? "Never" : `${formatTime(s.expires_at)}${s.expires_at <= now ? " (expired)" : ""}`)],
        ["Last used", (s) => (s.last_used_at == null ? "Never" : ago(s.last_used_at))],
      ]} />
    ${live && html`<div class="rotate">
      <div class="field inline">
        <label for="rotate-grace">Current secret stays valid for</label>
        <select id="rotate-grace" value=${grace} onChange=${(e) => setGrace(Number(e.currentTarget.value))}>
          ${GRACE.map(([seconds, text]) => html`<option value=${seconds}>${text}</option>`)}
        </select>
      </div>
      <button type="button" id="rotate-secret" onClick=${rotate} disabled=${busy}>Rotate secret</button>
    </div>`}
    <${ErrorAlert} error=${error} />
    ${issued && html`<${SecretDialog} ...${issued} onDone=${() => {
      setIssued(null);
      onRotated("A new secret was issued.");
    }} />`}`;
}

export function CredentialDetail({ clientId }) {
  const [record, setRecord] = useState(null);
  const [error, setError] = useState(null);
  const [dialog, setDialog] = useState(null); // "disable" | "delete"
  const [status, setStatus] = useState(() => notice.take());
  const [stamp, setStamp] = useState(0);
  const [busy, setBusy] = useState(false);

  const reload = () =>
    admin.credential(clientId).then(({ body }) => {
      setRecord(body);
      setStamp((n) => n + 1);
    }, setError);
  useEffect(() => {
    reload();
  }, [clientId]);

  const done = (text) => {
    setDialog(null);
    setStatus(text);
    reload();
  };
  const enable = async () => {
    setBusy(true);
    setError(null);
    try {
      await admin.enable(clientId);
      done("The credential is enabled: it can obtain tokens again.");
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  if (!record) {
    return html`<${Page} title="Credential">
      <${ErrorAlert} error=${error} />
      ${!error && html`<p role="status">Loading…</p>`}
    </${Page}>`;
  }

  const grants = preview({ permissions: record.permissions });
  const actions = record.status === "deleted" ? null : html`
    <button type="button" onClick=${() => navigate("credentials", clientId, "edit")}>Edit</button>
    ${record.status === "enabled"
      ? html`<button type="button" onClick=${() => setDialog("disable")}>Disable</button>`
      : html`<button type="button" onClick=${enable} disabled=${busy}>Enable</button>`}
    <button type="button" class="danger" onClick=${() => setDialog("delete")}>Delete</button>`;

  return html`<${Page} title=${record.name} actions=${actions}>
    <p class="back"><a href=${href("credentials")}>Back to the list</a></p>
    <p class="status-line" role="status" aria-live="polite">${status}</p>
    <${ErrorAlert} error=${error} />
    <dl class="facts">
      <dt>Client ID</dt><dd><code>${record.client_id}</code></dd>
      <dt>Status</dt><dd><span class=${`status ${record.status}`}>${label(record.status)}</span></dd>
      <dt>Environment</dt><dd>${label(record.environment)}</dd>
      <dt>Set type</dt><dd>${label(record.permission_set_type)}</dd>
      ${record.description && html`<dt>Description</dt><dd>${record.description}</dd>`}
      <dt>Created</dt><dd>${formatTime(record.created_at)}</dd>
      <dt>Updated</dt><dd>${formatTime(record.updated_at)}</dd>
      <dt>Expires</dt><dd>${record.expires_at == null ? "Never" : formatTime(record.expires_at)}</dd>
    </dl>
    <div class="detail-grid">
      <${Section} id="sec-permissions" title="Permissions">
        <ul class="perm-list">${record.permissions.map((p) => html`<li><code>${p}</code></li>`)}</ul>
        ${grants.thrown ? html`<${Note} item=${grants.thrown} />` : html`<${GrantGrid} view=${grants.value} />`}
      </${Section}>
      <${Section} id="sec-ips" title="IP addresses">
        ${allowsEveryIp(record.ip_allowlist)
          ? html`<p>All IP addresses</p>`
          : html`<ul>${record.ip_allowlist.map((ip) => html`<li><code>${ip}</code></li>`)}</ul>`}
      </${Section}>
      <${Section} id="sec-usage" title="Usage"><${Usage} record=${record} stamp=${stamp} /></${Section}>
      <${Section} id="sec-activity" title="Recent activity"><${Activity} clientId=${clientId} stamp=${stamp} /></${Section}>
      <${Section} id="sec-try" title="Try a request"><${TryRequest} record=${record} /></${Section}>
      <${Section} id="sec-secrets" title="Secrets"><${Secrets} record=${record} onRotated=${done} /></${Section}>
    </div>
    ${dialog === "disable" && html`<${DisableDialog} record=${record} onClose=${() => setDialog(null)} onDone=${done} />`}
    ${dialog === "delete" && html`<${DeleteDialog} record=${record} onClose=${() => setDialog(null)} onDone=${done} />`}
  </${Page}>`;
}
