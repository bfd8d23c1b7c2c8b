// The credentials list: GET /admin/credentials, newest first, filtered by status and
// environment (the words are credgate's vocabulary), a page at a time ("Load more" follows
// the server's `next.after` cursor).

import { useEffect, useState } from "preact/hooks";

import { admin } from "../api.js";
import { vocabulary } from "../engine.js";
import { age, ago, formatTime, label, nowSeconds } from "../format.js";
import { html } from "../html.js";
import { ErrorAlert } from "../message.js";
import { DataTable } from "../components.js";
import { notice } from "../notice.js";
import { Page } from "../page.js";
import { href, navigate } from "../router.js";

const PAGE = 50;

/** The age of the newest live secret (the one a rotation made last). */
export function secretAge(credential, now = nowSeconds()) {
  const newest = credential.secrets?.reduce((a, s) => (a === null || s.created_at > a ? s.created_at : a), null);
  return newest == null ? "" : age(now - newest);
}

export const lastUsed = (credential) => (credential.last_used_at == null ? "Never" : ago(credential.last_used_at));

function Filter({ id, text, value, words, onChange }) {
  return html`<div class="field inline">
    <label for=${id}>${text}</label>
    <select id=${id} value=${value} onChange=${(e) => onChange(e.currentTarget.value)}>
      <option value="">All</option>
      ${words.map((w) => html`<option value=${w}>${label(w)}</option>`)}
    </select>
  </div>`;
}

export function CredentialList() {
  const words = vocabulary();
  const [status, setStatus] = useState("");
  const [environment, setEnvironment] = useState("");
  const [rows, setRows] = useState([]);
  const [after, setAfter] = useState(null);
  const [busy, setBusy] = useState(true);
  const [error, setError] = useState(null);
  const [saved] = useState(() => notice.take());

  const fetchPage = async (cursor, replace) => {
    setBusy(true);
    setError(null);
    try {
      const { body } = await admin.credentials({ status, environment, limit: PAGE, after: cursor });
      setRows((old) => (replace ? body.credentials : [...old, ...body.credentials]));
      setAfter(body.next?.after ?? null);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  useEffect(() => {
    fetchPage(null, true);
  }, [status, environment]);

  const filtered = status !== "" || environment !== "";
  const columns = [
    ["Name", (c) => html`<a href=${href("credentials", c.client_id)}>${c.name}</a>`],
    ["Set type", (c) => label(c.permission_set_type)],
    ["Environment", (c) => label(c.environment)],
    ["Status", (c) => html`<span class=${`status ${c.status}`}>${label(c.status)}</span>`],
    ["Created", (c) => formatTime(c.created_at)],
    ["Last used", lastUsed],
    ["Secret age", (c) => secretAge(c)],
  ];

  return html`<${Page} title="Credentials" heading="API credentials"
      actions=${html`<button type="button" class="primary" onClick=${() => navigate("credentials", "new")}>Create credentials</button>`}>
    <div class="filters" role="group" aria-label="Filters">
      <${Filter} id="filter-status" text="Status" value=${status} words=${words.statuses} onChange=${setStatus} />
      <${Filter} id="filter-environment" text="Environment" value=${environment} words=${words.environments} onChange=${setEnvironment} />
    </div>
    <p class="status-line" role="status">${saved}</p>
    <${ErrorAlert} error=${error} />
    <p class="visually-hidden" role="status" aria-live="polite">${busy ? "Loading credentials…" : `${rows.length} shown`}</p>
    <${DataTable} caption="API credentials" columns=${columns} rows=${rows} rowKey=${(c) => c.client_id} busy=${busy}
      empty=${filtered ? "No credentials match these filters" : "No credentials yet"}
      more=${after ? () => fetchPage(after, false) : null} />
  </${Page}>`;
}
