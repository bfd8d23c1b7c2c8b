// A screen's frame: its one <h1>, the document title ("<title> — credgate console") and
// focus moved to the heading when the screen opens, so a screen-reader user hears where the
// route went.

import { useEffect, useRef } from "preact/hooks";

import { html } from "./html.js";

export function Page({ title, heading = title, children, actions }) {
  const ref = useRef(null);
  useEffect(() => {
    document.title = `${title} — credgate console`;
  }, [title]);
  useEffect(() => {
    ref.current?.focus({ preventScroll: true });
  }, []);
  return html`<div class="page">
    <div class="page-head">
      <h1 ref=${ref} tabindex="-1">${heading}</h1>
      ${actions && html`<div class="page-actions">${actions}</div>`}
    </div>
    ${children}
  </div>`;
}
