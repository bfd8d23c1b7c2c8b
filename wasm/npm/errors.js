// The package's one error class, shared by the generated glue of both builds (the module
// constructs its failures with `credgateError`, imported as `./errors.js`) and the JS layer
// (remote.js, api.js): every error the package throws is a `CredgateError` with a stable
// SPEC §8 `code`, so `instanceof` and `err.code` work wherever it came from.
//
// Nothing here may throw into the module: the functions it imports only build values.

/**
 * What every function and method of the package throws: an `Error` with a stable `code`
 * (`"token.expired"`, `"input.invalid"`, … : `codes()` lists them) and, for some codes,
 * details: `index` (the bad entry of a permission list), `errors` (every problem of an
 * invalid spec) and `path` (the first problem's).
 */
export class CredgateError extends Error {
  constructor(code, message) {
    super(message);
    this.name = "CredgateError";
    this.code = code;
  }

  /**
   * Every code as a constant named after it (`CredgateError.codes.TOKEN_EXPIRED` is
   * `"token.expired"`), to compare `err.code` with. Filled from the core's list when the
   * module is initialised (on import in Node.js; `init`/`initSync` elsewhere).
   */
  static get codes() {
    return constants;
  }
}

let constants = Object.freeze({});

/** The constant name of a code: `token.expired` → `TOKEN_EXPIRED`. */
const constantName = (code) => code.replaceAll(".", "_").toUpperCase();

/** Called by the module when it starts, with the core's codes. */
export function registerCodes(codes) {
  if (Object.keys(constants).length === codes.length) return;
  constants = Object.freeze(Object.fromEntries(codes.map((code) => [constantName(code), code])));
}

/** `new CredgateError(code, message)`, for the module (wasm/src/lib.rs, `throw`). */
export function credgateError(code, message) {
  return new CredgateError(code, message);
}

/** `value instanceof Date`; `false` for a value that throws when asked (a revoked Proxy). */
export function isDate(value) {
  try {
    return value instanceof Date;
  } catch {
    return false;
  }
}
