// Sign-in: an administrator's bearer token, checked with GET /admin/me before it is kept
// (sessionStorage: this tab only). A refused token shows the server's own error.

import { useState } from "preact/hooks";

import { admin, session } from "../api.js";
import { html } from "../html.js";
import { ErrorAlert } from "../message.js";
import { Page } from "../page.js";

export function SignIn({ onSignedIn, notice }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { body } = await admin.me(token.trim());
      session.save(token.trim());
      onSignedIn(body);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return html`<${Page} title="Sign in">
    <p class="lede">Sign in with your administrator token. It is kept in this tab only, until you sign out or close it.</p>
    <${ErrorAlert} error=${error ?? notice} />
    <form class="card narrow" onSubmit=${submit} novalidate>
      <div class="field">
        <label for="admin-token">Administrator token</label>
        <input id="admin-token" type="password" autocomplete="current-password" value=${token}
               onInput=${(e) => setToken(e.currentTarget.value)} />
      </div>
      <button type="submit" class="primary" disabled=${busy}>Sign in</button>
    </form>
  </${Page}>`;
}
