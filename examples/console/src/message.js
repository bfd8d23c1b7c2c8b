// How a credgate message or a server error reads on the page: plain text in which credgate's
// `backticked` values become <code> (never literal backticks), with the stable code on hover
// (title) and in a data attribute. Browser problems and server problems both go through
// here, so they look the same wherever they appear.

import { html } from "./html.js";

/** Text with `backticked` spans as <code>. */
export function Message({ text }) {
  const parts = String(text ?? "").split("`");
  // An odd count of backticks leaves the last one unpaired: keep it as text.
  if (parts.length % 2 === 0) parts[parts.length - 2] += "`" + parts.pop();
  return parts.map((part, i) => (i % 2 === 1 ? html`<code>${part}</code>` : part));
}

/**
 * One problem (`{code, message}`) or finding: a paragraph whose title is the code.
 * `kind`: "problem" (refused) or "advice" (a lint finding).
 */
export function Note({ id, item, kind = "problem", prefix = "" }) {
  return html`<p id=${id} class=${`note ${kind}`} title=${item.code} data-code=${item.code}>
    ${prefix}<${Message} text=${item.message} />
  </p>`;
}

/** An error answer or a thrown error, in a role=alert box. */
export function ErrorAlert({ error, id }) {
  if (!error) return null;
  return html`<div id=${id} class="alert" role="alert" title=${error.code} data-code=${error.code}>
    <p><${Message} text=${error.message} /></p>
  </div>`;
}
