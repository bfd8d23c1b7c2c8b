// The credgate console: loads the credgate WASM package first (body[data-credgate] is
// "ready" once it is, "failed" with an alert if not), then renders the signed-in frame
// (header, nav, one <main>) and the screen the hash route names. Owns routing and the
// session; never decides anything about a credential (that is the package's and the
// server's).

import { render } from "preact";
import { useEffect, useState } from "preact/hooks";

import { admin, onSessionExpired, session } from "./api.js";
import { load } from "./engine.js";
import { html } from "./html.js";
import { Message } from "./message.js";
import { hashQuery, href, navigate, useRoute } from "./router.js";
import { SignIn } from "./screens/signin.js";
import { CredentialList } from "./screens/credentials.js";
import { CreateCredential, EditCredential } from "./screens/editor.js";
import { CredentialDetail } from "./screens/detail.js";
import { Approvals } from "./screens/approvals.js";
import { Audit } from "./screens/audit.js";

function Screen({ route, me }) {
  const [section, id, sub] = route;
  if (section === "credentials" && id === "new") return html`<${CreateCredential} me=${me} />`;
  if (section === "credentials" && id && sub === "edit") return html`<${EditCredential} key=${`edit-${id}`} clientId=${id} me=${me} />`;
  if (section === "credentials" && id) return html`<${CredentialDetail} key=${id} clientId=${id} me=${me} />`;
  if (section === "approvals") return html`<${Approvals} me=${me} />`;
  if (section === "audit") return html`<${Audit} me=${me} initialClient=${hashQuery().get("client_id") ?? ""} />`;
  return html`<${CredentialList} me=${me} />`;
}

function Header({ me, onSignOut, route, onReload }) {
  const section = route[0] ?? "credentials";
  // A link to the screen already shown changes no hash: it reloads that screen instead.
  const follow = (event) => {
    if (event.currentTarget.getAttribute("href") === location.hash) onReload();
  };
  const link = (name, text) => html`<a href=${href(name)} onClick=${follow} aria-current=${section === name ? "page" : undefined}>${text}</a>`;
  return html`<header class="top">
    <a class="brand" href=${href("credentials")}>credgate console</a>
    <nav aria-label="Console">
      ${link("credentials", "Credentials")}${link("approvals", "Approvals")}${link("audit", "Audit")}
    </nav>
    <div class="who">
      <span>Signed in as ${me.id} (${me.role})</span>
      <button type="button" onClick=${onSignOut}>Sign out</button>
    </div>
  </header>`;
}

function App() {
  const route = useRoute();
  const [me, setMe] = useState(null);
  const [checking, setChecking] = useState(Boolean(session.token()));
  const [notice, setNotice] = useState(null);
  const [reloads, setReloads] = useState(0);

  useEffect(() => onSessionExpired(() => {
    setMe(null);
    setNotice({ code: "invalid_token", message: "the server no longer accepts your token: sign in again" });
  }), []);

  useEffect(() => {
    if (!session.token()) return;
    admin.me().then(({ body }) => setMe(body), () => session.clear()).finally(() => setChecking(false));
  }, []);

  // Signed in on the sign-in route (a reload there): go to the list, whose screen it shows.
  useEffect(() => {
    if (me && route[0] === "sign-in") navigate("credentials");
  }, [me, route[0]]);

  const signedIn = (who) => {
    setMe(who);
    setNotice(null);
    if (route[0] === "sign-in" || route.length === 0) navigate("credentials");
  };
  const signOut = () => {
    session.clear();
    setMe(null);
    navigate("sign-in");
  };

  if (checking) return html`<main id="main"><p role="status">Checking your session…</p></main>`;
  if (!me) {
    return html`<header class="top"><span class="brand">credgate console</span></header>
      <main id="main"><${SignIn} onSignedIn=${signedIn} notice=${notice} /></main>`;
  }
  return html`<${Header} me=${me} onSignOut=${signOut} route=${route} onReload=${() => setReloads((n) => n + 1)} />
    <main id="main"><${Screen} key=${`${location.hash}#${reloads}`} route=${route} me=${me} /></main>`;
}

const root = document.getElementById("app");
try {
  await load();
  document.body.dataset.credgate = "ready";
  render(html`<${App} />`, root);
} catch (error) {
  document.body.dataset.credgate = "failed";
  render(html`<main id="main"><h1>credgate console</h1>
    <div class="alert" role="alert"><p>credgate could not be loaded: <${Message} text=${error.message} /></p></div></main>`, root);
}
