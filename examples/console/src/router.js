// Hash routes (#/credentials, #/credentials/<client_id>, …): the console is one page served
// from a static folder, so the URL's path never changes and no server route is needed per
// screen. A screen that holds something the admin would lose (the one-time secret) sets a
// leave guard: then leaving asks first.

import { useEffect, useState } from "preact/hooks";

/** `#/credentials/cid_x/edit` → `["credentials", "cid_x", "edit"]` (a `?query` is left out). */
export function parseHash(hash = location.hash) {
  return hash.replace(/^#\/?/, "").split("?")[0].split("/").filter(Boolean).map((part) => {
    try {
      return decodeURIComponent(part);
    } catch {
      return part;
    }
  });
}

export const href = (...parts) => `#/${parts.map(encodeURIComponent).join("/")}`;

export function navigate(...parts) {
  location.hash = href(...parts).slice(1);
}

/** The `?query` of the hash route (`#/audit?client_id=cid_x`). */
export const hashQuery = () => new URLSearchParams(location.hash.split("?")[1] ?? "");

let guard = null;
let current = location.hash;
let restoring = false;

/** While set, a route change asks `message` first (a native confirm). Returns the remover. */
export function setLeaveGuard(message) {
  const mine = { message };
  guard = mine;
  return () => {
    if (guard === mine) guard = null;
  };
}

/** The current route's parts, following hashchange. */
export function useRoute() {
  const [route, setRoute] = useState(parseHash());
  useEffect(() => {
    const onChange = () => {
      if (restoring) {
        restoring = false;
        return;
      }
      if (guard && !window.confirm(guard.message)) {
        restoring = true;
        location.hash = current;
        return;
      }
      current = location.hash;
      setRoute(parseHash());
    };
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return route;
}
