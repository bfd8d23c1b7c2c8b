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
  /**
   * Every code as a constant named after it (`CredgateError.codes.TOKEN_EXPIRED` is
   * `"token.expired"`). Filled from the core's list when the module is initialised.
   */
  static readonly codes: CodeConstants;
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

/** The constant name of a code: `"token.expired"` → `"TOKEN_EXPIRED"`. */
export type CodeConstantName<S extends string> = S extends `${infer A}.${infer B}` ? CodeConstantName<`${A}_${B}`> : Uppercase<S>;
/** `CredgateError.codes`: each code under its constant name (derived from `Code`, no copy). */
export type CodeConstants = { readonly [K in Code as CodeConstantName<K>]: K };

/** Gives `CredgateError.codes` the core's codes (called by the module when it starts). */
export declare function registerCodes(codes: string[]): void;

/** `new CredgateError(code, message)` (the module's constructor of its failures). */
export declare function credgateError(code: Code, message: string): CredgateError;

/** `value instanceof Date`, `false` for a value that throws when asked. */
export declare function isDate(value: unknown): value is Date;
