// How times and words read on the page. Display only: nothing here judges a credential.

const dateTime = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short" });
const relative = new Intl.RelativeTimeFormat("en", { numeric: "auto" });

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A Unix time as a date and time, or "" for none. */
export function formatTime(seconds) {
  return seconds == null ? "" : dateTime.format(new Date(Number(seconds) * 1000));
}

const UNITS = [
  ["year", 365 * 86400], ["month", 30 * 86400], ["week", 7 * 86400],
  ["day", 86400], ["hour", 3600], ["minute", 60],
];

/** "5 minutes ago", "yesterday", "just now". */
export function ago(seconds, now = nowSeconds()) {
  const delta = Number(seconds) - now;
  for (const [unit, size] of UNITS) {
    if (Math.abs(delta) >= size) return relative.format(Math.round(delta / size), unit);
  }
  return "just now";
}

/** A duration in its largest whole unit: "3 days", "less than a minute". */
export function age(seconds) {
  for (const [unit, size] of UNITS) {
    if (seconds >= size) {
      const n = Math.floor(seconds / size);
      return `${n} ${unit}${n === 1 ? "" : "s"}`;
    }
  }
  return "less than a minute";
}

/** A vocabulary word as a label: "sandbox" → "Sandbox", "security_review" → "Security review". */
export function label(word) {
  const text = String(word).replaceAll("_", " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function plural(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}

/** SPEC §4: the allowlist ["0.0.0.0/0"] is "All IP addresses". */
export const ALL_IPS = "0.0.0.0/0";
export const allowsEveryIp = (allowlist) => allowlist.length === 1 && allowlist[0] === ALL_IPS;
