// Small shared components: a modal Dialog (native <dialog> with showModal, focus kept inside
// and given back to the opener), the one-time secret dialog, a text Field with a character
// counter, the effective-permissions grid (credgate.preview's shape) and a data table.
// They render what they are given; none of them decides anything about a credential.

import { useEffect, useRef, useState } from "preact/hooks";

import { html } from "./html.js";
import { Note } from "./message.js";
import { plural } from "./format.js";

const FOCUSABLE = "a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex='-1'])";

/**
 * A modal dialog, open while mounted. `onClose` is called for Escape unless `locked`
 * (then Escape does nothing). Tab and Shift+Tab cycle inside it (showModal makes the page
 * inert, but Chromium would still let focus leave for the browser's own UI); on unmount
 * focus returns to `returnFocus()` (an element) or else to what had it before.
 */
export function Dialog({ labelledBy, onClose, locked = false, returnFocus, className = "", children }) {
  const ref = useRef(null);
  const state = useRef({ locked, onClose, returnFocus });
  state.current = { locked, onClose, returnFocus };

  useEffect(() => {
    const dialog = ref.current;
    const opener = document.activeElement;
    dialog.showModal();
    const first = dialog.querySelector("[autofocus]") ?? dialog.querySelector(FOCUSABLE);
    first?.focus();

    const onKeyDown = (event) => {
      if (event.key === "Escape") {
        // Handled here, not by the dialog's own cancel: a locked dialog must not close.
        event.preventDefault();
        if (!state.current.locked) state.current.onClose?.();
        return;
      }
      if (event.key !== "Tab") return;
      const items = [...dialog.querySelectorAll(FOCUSABLE)].filter((node) => node.offsetParent !== null);
      if (items.length === 0) return;
      const [head, tail] = [items[0], items[items.length - 1]];
      if (event.shiftKey && (document.activeElement === head || !dialog.contains(document.activeElement))) {
        event.preventDefault();
        tail.focus();
      } else if (!event.shiftKey && (document.activeElement === tail || !dialog.contains(document.activeElement))) {
        event.preventDefault();
        head.focus();
      }
    };
    const onCancel = (event) => event.preventDefault();
    // A close the page did not ask for (the browser's own close request) reopens a locked dialog.
    const onNativeClose = () => {
      if (dialog.isConnected && state.current.locked) dialog.showModal();
    };
    dialog.addEventListener("keydown", onKeyDown);
    dialog.addEventListener("cancel", onCancel);
    dialog.addEventListener("close", onNativeClose);
    return () => {
      dialog.removeEventListener("keydown", onKeyDown);
      dialog.removeEventListener("cancel", onCancel);
      dialog.removeEventListener("close", onNativeClose);
      if (dialog.open) dialog.close();
      const target = state.current.returnFocus?.() ?? opener;
      if (target?.isConnected) target.focus();
    };
  }, []);

  return html`<dialog ref=${ref} class=${`dialog ${className}`} aria-labelledby=${labelledBy} aria-modal="true">
    ${children}
  </dialog>`;
}

/** Copies text; falls back to selecting the field and execCommand where the Clipboard API is refused. */
async function copy(text, field) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    field?.select();
    return document.execCommand?.("copy") ?? false;
  }
}

/**
 * The one-time secret: client ID and secret in read-only fields with Copy buttons, the
 * seed's warning, and "I have stored the secret" before "Done" works. Escape does nothing
 * until the box is ticked; leaving the page asks first while it is open. The secret lives in
 * this component's props only: never in storage or the URL.
 */
export function SecretDialog({ clientId, clientSecret, pendingChange, onDone }) {
  const [stored, setStored] = useState(false);
  const [copied, setCopied] = useState("");
  const idField = useRef(null);
  const secretField = useRef(null);

  useEffect(() => {
    const warn = (event) => {
      event.preventDefault();
      event.returnValue = "";
    };
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, []);

  const copyInto = (text, field, what) => async () => {
    setCopied((await copy(text, field.current)) ? `${what} copied.` : `${what} could not be copied: select it and copy it yourself.`);
  };

  return html`<${Dialog} labelledBy="secret-title" locked=${!stored} onClose=${onDone} className="secret-dialog">
    <h2 id="secret-title">Your new credentials</h2>
    ${pendingChange != null && html`<p class="pending" id="secret-pending">
      Waiting for approval by another administrator (change ${pendingChange}): the credentials work once it is approved.
    </p>`}
    <div class="field">
      <label for="secret-client-id">Client ID</label>
      <div class="copy-row">
        <input id="secret-client-id" ref=${idField} type="text" readOnly value=${clientId} />
        <button type="button" onClick=${copyInto(clientId, idField, "Client ID")}>Copy client ID</button>
      </div>
    </div>
    <div class="field">
      <label for="secret-client-secret">Client secret</label>
      <div class="copy-row">
        <input id="secret-client-secret" ref=${secretField} type="text" readOnly value=${clientSecret}
               aria-describedby="secret-warning" autocomplete="off" spellcheck="false" />
        <button type="button" onClick=${copyInto(clientSecret, secretField, "Client secret")}>Copy client secret</button>
      </div>
    </div>
    <p id="secret-warning" class="warning">
      The client secret is shown only once. Copy it now and store it somewhere safe: you will not be able to see it again.
    </p>
    <p class="copied" role="status" aria-live="polite">${copied}</p>
    <div class="check">
      <input id="secret-stored" type="checkbox" checked=${stored} onChange=${(e) => setStored(e.currentTarget.checked)} />
      <label for="secret-stored">I have stored the secret</label>
    </div>
    <div class="actions">
      <button type="button" class="primary" disabled=${!stored} onClick=${onDone}>Done</button>
    </div>
  </${Dialog}>`;
}

/** Characters as credgate counts them: Unicode scalar values. */
export const charCount = (text) => [...text].length;

/**
 * A labelled text input (or textarea) with a live "n/max" counter and its notes, all linked
 * by aria-describedby. `notes`: `[{item, kind}]` already filtered to what should show.
 */
export function Field({ id, label, value, onInput, onBlur, max, hint, notes = [], optional = false, multiline = false, disabled = false }) {
  // "(optional)" is a description, not part of the name: the field is named by its label alone.
  const described = [optional && `${id}-optional`, hint && `${id}-hint`, max && `${id}-count`, ...notes.map((_, i) => `${id}-note-${i}`)].filter(Boolean).join(" ");
  const invalid = notes.some((n) => n.kind === "problem");
  const props = {
    id, value, disabled,
    "aria-describedby": described || undefined,
    "aria-invalid": invalid ? "true" : undefined,
    onInput: (e) => onInput(e.currentTarget.value),
    onBlur,
    autocomplete: "off",
  };
  const count = max ? charCount(value) : 0;
  return html`<div class="field">
    <div class="label-line"><label for=${id}>${label}</label>${optional && html` <span id=${`${id}-optional`} class="optional">(optional)</span>`}</div>
    ${multiline ? html`<textarea rows="3" ...${props}></textarea>` : html`<input type="text" ...${props} />`}
    ${hint && html`<p id=${`${id}-hint`} class="hint">${hint}</p>`}
    ${max && html`<p id=${`${id}-count`} class=${`counter${count > max ? " over" : ""}`} aria-live="polite">${count}/${max}</p>`}
    ${notes.map((n, i) => html`<${Note} id=${`${id}-note-${i}`} item=${n.item} kind=${n.kind} />`)}
  </div>`;
}

function reach(all, ids, everything) {
  if (all) return everything;
  return ids.length ? ids.join(", ") : "none";
}

/** The effective-permissions grid of a `preview` result: what each type and action reaches. */
export function GrantGrid({ view, caption = "What each type and action reaches" }) {
  if (!view || view.grants.length === 0) return html`<p class="empty">Nothing: this credential would be allowed nothing.</p>`;
  return html`<table class="grid">
    <caption>${caption}</caption>
    <thead><tr><th scope="col">Type</th><th scope="col">Action</th><th scope="col">Organisation</th><th scope="col">Vaults</th><th scope="col">Keys</th></tr></thead>
    <tbody>
      ${view.grants.map((g) => html`<tr key=${`${g.type}:${g.action}`}>
        <th scope="row">${g.type}</th><td>${g.action}</td>
        <td>${g.org ? "yes" : "no"}</td>
        <td>${reach(g.all_vaults, g.vaults, "every vault")}</td>
        <td>${reach(g.all_keys, g.keys, "every key")}</td>
      </tr>`)}
    </tbody>
  </table>
  <p class="hint">${plural(view.permissions.length, "permission")}, ${plural(view.grants.length, "type and action", "types and actions")} granted.</p>`;
}

/**
 * A table: `columns` are `[heading, row => cell]`; `empty` is the text shown with no rows.
 * `more` (optional) is a "Load more" button's handler; `hideCaption` when a heading already
 * says the same (the caption still names the table for assistive technology).
 */
export function DataTable({ caption, columns, rows, empty, rowKey, more, busy = false, hideCaption = false }) {
  return html`<div class="table-wrap">
    <table class="data">
      <caption class=${hideCaption ? "visually-hidden" : undefined}>${caption}</caption>
      <thead><tr>${columns.map(([heading]) => html`<th scope="col">${heading}</th>`)}</tr></thead>
      <tbody>
        ${rows.map((row) => html`<tr key=${rowKey(row)}>${columns.map(([, cell]) => html`<td>${cell(row)}</td>`)}</tr>`)}
      </tbody>
    </table>
    ${rows.length === 0 && !busy && html`<p class="empty">${empty}</p>`}
    ${more && html`<button type="button" onClick=${more} disabled=${busy}>Load more</button>`}
  </div>`;
}
