// The JavaScript half of a prepared Verifier's hot path (wasm/src/hot.rs), imported by the
// generated glue of both builds (`credgate.js`, `credgate_edge.js`) as `./credgate_hot.js`.
//
// It only reads and builds values; it decides nothing. `readCheck` takes the members of a
// `Verifier.check` input that `JSON.stringify` would write, when the input is plain data of
// the expected types, and hands them to the module as one string (the module splits it by the
// lengths in `meta`): one string crossing instead of a JSON text parsed into a tree. Anything
// else — another prototype, an unknown member, a BigInt or a fraction, a lone surrogate, a
// getter or Proxy trap that throws — is `undefined`: the module then reads the input the
// general way (`JSON.stringify` and the core's strict parser) and gives exactly the answer or
// the error it always gave. `checked` and `verified` build an answer as object literals in the
// order the general path's members have (sorted by name), from values the module already
// holds as JS values.
//
// Nothing here may throw into the module (an exception unwinding through WebAssembly frames
// skips their epilogues): `readCheck` catches everything, the builders only make literals.

const isWellFormed = String.prototype.isWellFormed;
const LONE_SURROGATE = /\p{Cs}/u;
/** Whether a string is Unicode (JSON.stringify escapes a lone surrogate, which the core refuses). */
const wellFormed = isWellFormed !== undefined ? (s) => isWellFormed.call(s) : (s) => !LONE_SURROGATE.test(s);

const OBJECT = Object.prototype;

/** An object JSON.stringify writes as its own members and nothing else. */
function plain(value) {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return (proto === OBJECT || proto === null) && value.toJSON === undefined;
}

/** A member that is a string, or absent (`undefined` and `null` both read as absent). */
const optional = (value) => value === undefined || value === null || (typeof value === "string" && wellFormed(value));

// What `readCheck` read for the call in progress, taken back by `checked`. `seq` ties the two
// together: a getter that re-entered the module in between cannot mix two calls' values.
let seq = 0;
let heldSeq = 0;
let heldIp;
let heldRequest;

// Off only in the package's own tests, which compare both ways of reading an input: every
// input then goes the general way. Not part of the package's API (no entry exports it).
let enabled = true;
export function setFastPath(on) {
  enabled = on === true;
}

/** The longest text read here (UTF-16 code units); longer input is read the general way. */
const MAX_TEXT = 16384;
/** The slots of `meta`. */
const META = 13;

// Views of a module's memory where it takes its input: made again when the memory grows (its
// buffer changes) or another module instance asks. (wasm-bindgen's own string passing copies
// a string one `charCodeAt` at a time, about 12 ns per character in Node 20: 4 µs for a token.)
let viewMemory;
let viewBuffer;
let viewAt = -1;
let floats;
let bytes;
const encoder = new TextEncoder();

function views(memory, metaAt, textAt) {
  const buffer = memory.buffer;
  if (memory !== viewMemory || buffer !== viewBuffer || metaAt !== viewAt) {
    floats = new Float64Array(buffer, metaAt, META);
    bytes = new Uint8Array(buffer, textAt, 3 * MAX_TEXT);
    viewMemory = memory;
    viewBuffer = buffer;
    viewAt = metaAt;
  }
}

/** Writes `text` as UTF-8 at the module's text slot: the bytes written, or -1. */
function write(text, memory, metaAt, textAt) {
  if (text.length > MAX_TEXT) return -1;
  views(memory, metaAt, textAt);
  const { read, written } = encoder.encodeInto(text, bytes);
  return read === text.length ? written : -1;
}

/**
 * A request's members as JSON.stringify would write them, when it is plain data of the
 * expected types: [type, action, vault, key, org] (absent ones `undefined`), else `undefined`.
 */
function requestMembers(request) {
  if (!plain(request)) return undefined;
  let type;
  let action;
  let vault;
  let key;
  let org;
  const names = Object.keys(request);
  for (let i = 0; i < names.length; i++) {
    switch (names[i]) {
      case "type":
        type = request.type;
        break;
      case "action":
        action = request.action;
        break;
      case "vault":
        vault = request.vault;
        break;
      case "key":
        key = request.key;
        break;
      case "org":
        org = request.org;
        break;
      default:
        return undefined;
    }
  }
  if (typeof type !== "string" || typeof action !== "string" || !wellFormed(type) || !wellFormed(action)) return undefined;
  if (!optional(vault) || !optional(key) || !optional(org)) return undefined;
  return [type, action, vault ?? undefined, key ?? undefined, org ?? undefined];
}

/**
 * Writes seven parts (the first two free, then the request's five) as one UTF-8 text at
 * `textAt`, and at `metaAt` [seq, `number` (NaN: absent), `flag`, the parts' lengths in UTF-16
 * code units, whether vault, key and org are present]: the bytes written, or -1.
 */
function writeParts(first, second, members, number, flag, memory, metaAt, textAt) {
  const [type, action, vault, key, org] = members;
  const written = write(first + second + type + action + (vault ?? "") + (key ?? "") + (org ?? ""), memory, metaAt, textAt);
  if (written < 0) return -1;
  seq = (seq + 1) | 0 || 1;
  const meta = floats;
  meta[0] = seq;
  meta[1] = number === undefined ? NaN : number;
  meta[2] = flag;
  meta[3] = first.length;
  meta[4] = second.length;
  meta[5] = type.length;
  meta[6] = action.length;
  meta[7] = vault === undefined ? 0 : vault.length;
  meta[8] = key === undefined ? 0 : key.length;
  meta[9] = org === undefined ? 0 : org.length;
  meta[10] = vault === undefined ? 0 : 1;
  meta[11] = key === undefined ? 0 : 1;
  meta[12] = org === undefined ? 0 : 1;
  return written;
}

/**
 * Reads a `Verifier.check` input into the module's memory (`writeParts`): the token or
 * Authorization header, the client IP, the request; `now` (NaN: absent); the bearer (0 none,
 * 1 token, 2 authorization). Returns the bytes written, or -1: read it the general way.
 */
export function readCheck(input, memory, metaAt, textAt) {
  try {
    if (!enabled || !plain(input)) return -1;
    let token;
    let authorization;
    let ip;
    let now;
    let request;
    const names = Object.keys(input);
    for (let i = 0; i < names.length; i++) {
      switch (names[i]) {
        case "token":
          token = input.token;
          break;
        case "authorization":
          authorization = input.authorization;
          break;
        case "client_ip":
          ip = input.client_ip;
          break;
        case "now":
          now = input.now;
          break;
        case "request":
          request = input.request;
          break;
        default:
          return -1;
      }
    }
    if (!optional(token) || !optional(authorization) || typeof ip !== "string" || !wellFormed(ip)) return -1;
    const hasToken = token !== undefined && token !== null;
    const hasHeader = authorization !== undefined && authorization !== null;
    if (hasToken && hasHeader) return -1;
    if (now === null) now = undefined;
    // A `Date` is its Unix seconds (an invalid one, and any other kind, the general way:
    // the module refuses it there, as it refuses milliseconds).
    if (now instanceof Date) now = Math.floor(now.getTime() / 1000);
    if (now !== undefined && !Number.isSafeInteger(now)) return -1;
    const members = requestMembers(request);
    if (members === undefined) return -1;
    const bearer = hasToken ? token : hasHeader ? authorization : "";
    const written = writeParts(bearer, ip, members, now, hasToken ? 1 : hasHeader ? 2 : 0, memory, metaAt, textAt);
    if (written < 0) return -1;
    heldSeq = seq;
    heldIp = ip;
    heldRequest = requestOf(...members);
    return written;
  } catch {
    return -1;
  }
}

/**
 * Reads `PermissionSet.authorize(request, org)` into the module's memory (`writeParts`): the
 * org argument (as wasm-bindgen passes a string: a lone surrogate becomes U+FFFD; flag 1 when
 * it is a string, 0 when absent), then the request. -1: read it the general way.
 */
export function readRequest(request, org, memory, metaAt, textAt) {
  try {
    if (!enabled || (org !== undefined && org !== null && typeof org !== "string")) return -1;
    const members = requestMembers(request);
    if (members === undefined) return -1;
    const given = typeof org === "string";
    return writeParts(given ? org : "", "", members, undefined, given ? 1 : 0, memory, metaAt, textAt);
  } catch {
    return -1;
  }
}

/**
 * A string argument as UTF-8 at the module's text slot, as wasm-bindgen passes one (a lone
 * surrogate becomes U+FFFD): the bytes written, or -1 for anything else or a longer string
 * (passed the general way).
 */
export function readString(value, memory, metaAt, textAt) {
  return enabled && typeof value === "string" ? write(value, memory, metaAt, textAt) : -1;
}

/** The answer of `PermissionSet.authorize`, its members sorted (`undefined`: left out). */
export function decision(allowed, matched, near, reason) {
  if (matched !== undefined && near === undefined) return { allowed, matched, ok: true, outcome: "answer", reason };
  if (matched === undefined && near !== undefined) return { allowed, near_misses: near, ok: true, outcome: "answer", reason };
  if (matched === undefined && near === undefined) return { allowed, ok: true, outcome: "answer", reason };
  return { allowed, matched, near_misses: near, ok: true, outcome: "answer", reason };
}

/**
 * The answer of `Verifier.check`, its members in the order of the general path's (sorted by
 * name); an `undefined` argument is a member left out.
 */
export function checked(allowed, audit, claims, error, matched, message, near, reason, status, www) {
  if (audit === undefined) {
    if (claims === undefined && error !== undefined && matched === undefined && near === undefined && www !== undefined) {
      return { allowed, error, message, ok: true, outcome: "answer", reason, status, www_authenticate: www };
    }
  } else if (claims !== undefined) {
    if (error === undefined && matched !== undefined && near === undefined && www === undefined) {
      return { allowed, audit, claims, matched, message, ok: true, outcome: "answer", reason, status };
    }
    if (error !== undefined && matched === undefined && near === undefined && www !== undefined) {
      return { allowed, audit, claims, error, message, ok: true, outcome: "answer", reason, status, www_authenticate: www };
    }
    if (error !== undefined && matched === undefined && near !== undefined && www !== undefined) {
      return { allowed, audit, claims, error, message, near_misses: near, ok: true, outcome: "answer", reason, status, www_authenticate: www };
    }
  } else if (matched === undefined && near === undefined && www !== undefined) {
    if (error !== undefined) return { allowed, audit, error, message, ok: true, outcome: "answer", reason, status, www_authenticate: www };
    return { allowed, audit, message, ok: true, outcome: "answer", reason, status, www_authenticate: www };
  }
  // Any other combination, in the same order.
  const members = [["allowed", allowed], ["audit", audit], ["claims", claims], ["error", error], ["matched", matched], ["message", message], ["near_misses", near], ["ok", true], ["outcome", "answer"], ["reason", reason], ["status", status], ["www_authenticate", www]];
  return Object.fromEntries(members.filter(([, value]) => value !== undefined));
}

/**
 * An audit record. `ip` and `request` `undefined`: the client IP and request `readCheck` read
 * for `s`, the input's own strings (`undefined` when that input is no longer the one held).
 */
export function record(s, allowed, clientId, ip, jti, matched, org, reason, request, status, time) {
  if (ip === undefined) {
    if (s !== heldSeq) return undefined;
    heldSeq = 0;
    ip = heldIp;
    request = heldRequest;
    heldIp = heldRequest = undefined;
  }
  return { allowed, client_id: clientId, client_ip: ip, jti, matched, org, reason, request, status, time };
}

/** A request as the core writes it: its members sorted, absent (`undefined`) ones left out. */
export function requestOf(type, action, vault, key, org) {
  const out = { action };
  if (key !== undefined) out.key = key;
  if (org !== undefined) out.org = org;
  out.type = type;
  if (vault !== undefined) out.vault = vault;
  return out;
}

/** A revocation entry, as the general path writes it. */
export function entryOf(client, id, time) {
  return client ? { client_id: id, not_before: time } : { jti: id, revoked_at: time };
}

/** The result of `Verifier.loadRevocations`. */
export function loadedOf(entries, epoch, issuedAt) {
  return { entries, epoch, issued_at: issuedAt, ok: true, outcome: "result" };
}

/** `Verifier.cacheStats`. */
export function statsOf(bytes, entries, evictions, hits, misses) {
  return { bytes, entries, evictions, hits, misses };
}

/** An object of these members (`names`, comma-separated) and values, in this order. */
export function literal(names, values) {
  const out = {};
  const list = names.split(",");
  for (let i = 0; i < list.length; i++) out[list[i]] = values[i];
  return out;
}

/** The result of `Verifier.verify`. */
export function verified(claims) {
  return { claims, ok: true, outcome: "result" };
}

/**
 * Freezes a value and everything in it: the claims a Verifier shares between the answers
 * for one token. Only plain data reaches here (the module built it).
 */
export function deepFreeze(value) {
  const stack = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item === "object" && item !== null && !Object.isFrozen(item)) {
      Object.freeze(item);
      for (const name of Object.keys(item)) stack.push(item[name]);
    }
  }
  return value;
}
