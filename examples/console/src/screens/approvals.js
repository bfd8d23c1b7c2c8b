// Approvals: the pending changes (GET /admin/changes), each with what it would do (the new
// credential's spec, or the server's stored credgate.diff of an update), and Approve / Reject.
// A change the signed-in admin requested shows that another administrator must decide it;
// the server refuses self-approval anyway (403 approval.self_approval).

import { useEffect, useState } from "preact/hooks";

import { admin } from "../api.js";
import { allowsEveryIp, formatTime, label } from "../format.js";
import { html } from "../html.js";
import { ErrorAlert } from "../message.js";
import { Page } from "../page.js";
import { href } from "../router.js";

function Codes({ items }) {
  return items.map((t, i) => html`${i ? ", " : ""}<code>${t}</code>`);
}

/** What a change would do, as more rows of its facts list. */
function What({ change }) {
  const spec = change.spec;
  if (change.kind === "create") {
    return html`
      <dt>Environment</dt><dd>${label(spec.environment)}</dd>
      <dt>Set type</dt><dd>${label(spec.permission_set_type)}</dd>
      <dt>Permissions</dt><dd><${Codes} items=${spec.permissions} /></dd>
      <dt>IP addresses</dt><dd>${allowsEveryIp(spec.ip_allowlist) ? "All IP addresses" : html`<${Codes} items=${spec.ip_allowlist} />`}</dd>`;
  }
  const d = change.diff;
  if (!d) return null;
  const rows = [
    ["Permissions added", d.permissions?.added], ["Permissions removed", d.permissions?.removed],
    ["IP addresses added", d.ip_allowlist?.added], ["IP addresses removed", d.ip_allowlist?.removed],
  ].filter(([, list]) => list?.length);
  return html`<dt>Access</dt><dd><span class=${`verdict ${d.grants_new_access ? "grants" : "safe"}`}>${d.grants_new_access ? "Grants new access" : "No new access"}</span></dd>
      ${rows.map(([title, list]) => html`<dt>${title}</dt><dd><${Codes} items=${list} /></dd>`)}
      ${d.environment && html`<dt>Environment</dt><dd>${label(d.environment.before)} → ${label(d.environment.after)}</dd>`}`;
}

export function Approvals({ me }) {
  const [changes, setChanges] = useState(null);
  const [error, setError] = useState(null);
  const [status, setStatus] = useState("");
  const [busy, setBusy] = useState(null);

  const load = () => admin.changes({ state: "pending", limit: 100 }).then(({ body }) => setChanges(body.changes), setError);
  useEffect(() => {
    load();
  }, []);

  const decide = async (change, approve) => {
    setBusy(change.id);
    setError(null);
    try {
      await (approve ? admin.approve(change.id) : admin.reject(change.id));
      setStatus(`Change ${change.id} ${approve ? "approved" : "rejected"}.`);
      await load();
      document.querySelector("main h1")?.focus();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  };

  return html`<${Page} title="Approvals">
    <p class="lede">Changes that grant new access wait here until another administrator approves them.</p>
    <p class="status-line" role="status" aria-live="polite">${status}</p>
    <${ErrorAlert} error=${error} />
    ${changes === null && !error && html`<p>Loading…</p>`}
    ${changes?.length === 0 && html`<p class="empty">No changes are waiting for approval</p>`}
    <ul class="changes-list">
      ${changes?.map((c) => html`<li key=${c.id} class="card">
        <article aria-labelledby=${`change-${c.id}`}>
          <h2 id=${`change-${c.id}`}>Change ${c.id}: ${c.kind === "create" ? "create" : "update"} ${c.spec?.name ?? c.client_id}</h2>
          <dl class="facts">
            <dt>Kind</dt><dd>${c.kind === "create" ? "New credential" : "Update"}</dd>
            <dt>Credential</dt><dd>${c.kind === "create" ? html`<code>${c.client_id}</code>` : html`<a href=${href("credentials", c.client_id)}>${c.client_id}</a>`}</dd>
            <dt>Requested by</dt><dd>${c.requested_by}</dd>
            <dt>When</dt><dd>${formatTime(c.requested_at)}</dd>
            <${What} change=${c} />
          </dl>
          ${c.requested_by === me.id
            ? html`<p class="hint">Another administrator must approve this</p>`
            : html`<div class="actions">
                <button type="button" class="primary" aria-label=${`Approve change ${c.id}`} disabled=${busy === c.id} onClick=${() => decide(c, true)}>Approve</button>
                <button type="button" aria-label=${`Reject change ${c.id}`} disabled=${busy === c.id} onClick=${() => decide(c, false)}>Reject</button>
              </div>`}
        </article>
      </li>`)}
    </ul>
  </${Page}>`;
}
