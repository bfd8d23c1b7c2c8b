// The package's one error class (errors.js): what every function and method throws.
import type { Code, CredgateErrorShape, ValidationProblem } from "./credgate.js";

/**
 * What every function and method of the package throws: an `Error` with a stable `code`
 * (SPEC §8; `codes()` lists them) and, for some codes, details: `index` (the bad entry of a
 * permission list), `errors` (every problem of an invalid spec) and `path` (the first
 * problem's). `err instanceof CredgateError` holds for every error the package throws, from
 * either build.
 */
export declare class CredgateError extends Error implements CredgateErrorShape {
  constructor(code: Code, message: string);
  name: "CredgateError";
  code: Code;
  message: string;
  /** A permission list: the position of the invalid entry. */
  index?: number;
  /** Validation: every problem. */
  errors?: ValidationProblem[];
  /** Validation: where the first problem is. */
  path?: string;
}

/** `new CredgateError(code, message)` (the module's constructor of its failures). */
export declare function credgateError(code: Code, message: string): CredgateError;

/** `value instanceof Date`, `false` for a value that throws when asked. */
export declare function isDate(value: unknown): value is Date;
