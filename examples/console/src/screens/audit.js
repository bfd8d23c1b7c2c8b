// Audit: the decisions and token requests logs (GET /admin/audit), each paged on its own
// ("Older" follows the server's `next.*_before` cursor, "Newer" goes back a page), and
// filtered to one credential by its client id (?client_id=).

import { useEffect, useState } from "preact/hooks";

import { admin } from "../api.js";
import { formatTime } from "../format.js";
import { html } from "../html.js";
import { ErrorAlert } from "../message.js";
import { DataTable } from "../components.js";
import { Page } from "../page.js";
import { href } from "../router.js";

const PAGE = 25;

const credentialCell = (r) => (r.client_id ? html`<a href=${href("credentials", r.client_id)}>${r.client_id}</a>` : "—");

const LOGS = {
  decisions: {
    title: "Decisions",
    cursor: "decisions_before",
    empty: "No decisions",
    columns: [
      ["Time", (r) => formatTime(r.time)],
      ["Credential", credentialCell],
      ["Request", (r) => `${r.method} ${r.path}`],
      ["Decision", (r) => html`<span class=${r.allowed ? "allowed" : "denied"}>${r.allowed ? "Allowed" : "Denied"}</span>`],
      ["Reason", (r) => html`<code>${r.reason}</code>`],
      ["Permission", (r) => (r.matched ? html`<code>${r.matched}</code>` : "")],
      ["Client IP", (r) => r.client_ip],
    ],
  },
  token_requests: {
    title: "Token requests",
    cursor: "token_requests_before",
    empty: "No token requests",
    columns: [
      ["Time", (r) => formatTime(r.time)],
      ["Credential", credentialCell],
      ["Result", (r) => (r.granted ? "Token issued" : "Refused")],
      ["Reason", (r) => html`<code>${r.reason}</code>`],
      ["Client IP", (r) => r.client_ip],
    ],
  },
};

function Log({ name, clientId }) {
  const log = LOGS[name];
  // The cursors of the pages seen: the last is the current page's (null: the newest page).
  const [cursors, setCursors] = useState([null]);
  const [page, setPage] = useState(null);
  const [error, setError] = useState(null);
  const cursor = cursors[cursors.length - 1];

  useEffect(() => {
    setError(null);
    admin.audit({ limit: PAGE, client_id: clientId, [log.cursor]: cursor }).then(
      ({ body }) => setPage({ rows: body[name], older: body.next?.[log.cursor] ?? null }),
      setError,
    );
  }, [cursor, clientId]);

  const id = `log-${name}`;
  return html`<section class="card" aria-labelledby=${id}>
    <h2 id=${id}>${log.title}</h2>
    <${ErrorAlert} error=${error} />
    ${page && html`<${DataTable} caption=${log.title} columns=${log.columns} rows=${page.rows} rowKey=${(r) => r.id} empty=${log.empty} hideCaption />`}
    <div class="pager">
      <button type="button" disabled=${cursors.length === 1} onClick=${() => setCursors((c) => c.slice(0, -1))}>Newer</button>
      <button type="button" disabled=${!page?.older} onClick=${() => setCursors((c) => [...c, page.older])}>Older</button>
    </div>
  </section>`;
}

export function Audit({ initialClient }) {
  const [field, setField] = useState(initialClient);
  const [clientId, setClientId] = useState(initialClient);

  const apply = (event) => {
    event.preventDefault();
    setClientId(field.trim());
  };

  return html`<${Page} title="Audit">
    <form class="filters" onSubmit=${apply} novalidate>
      <div class="field inline">
        <label for="audit-credential">Credential</label>
        <input id="audit-credential" type="text" value=${field} placeholder="cid_…" autocomplete="off" spellcheck="false"
               aria-describedby="audit-credential-hint" onInput=${(e) => setField(e.currentTarget.value)} />
      </div>
      <button type="submit">Filter</button>
      <p id="audit-credential-hint" class="hint wide">A client ID (<code>cid_…</code>); leave it empty for every credential.</p>
    </form>
    <${Log} key=${`d-${clientId}`} name="decisions" clientId=${clientId} />
    <${Log} key=${`t-${clientId}`} name="token_requests" clientId=${clientId} />
  </${Page}>`;
}
