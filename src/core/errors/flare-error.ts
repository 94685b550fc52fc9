import { ERROR_CODES, type ErrorCode } from "./codes.ts";

/** Options for a {@link FlareError}; everything but the code is optional. */
export interface FlareErrorOptions {
  /** The main sentence; defaults to the catalogue message of the code. */
  message?: string;
  /** Appended to the message as `<message> — <detail>` (validation.md preamble). */
  detail?: string;
  /** What the user can do next; defaults to the catalogue hint. */
  hint?: string;
  /** Overrides the catalogue exit status where the spec gives one code two classes. */
  exit?: 1 | 4 | 5;
  cause?: unknown;
  /** Structured results that JSON mode still reports in the error envelope (`cert inspect`, batch approve). */
  data?: Record<string, unknown>;
}

/**
 * The one error type of the project. Core and node code throw it; the CLI's top-level
 * handler renders it (text: three lines on stderr; JSON: one envelope on stdout).
 */
export class FlareError extends Error {
  readonly code: ErrorCode;
  readonly hint: string;
  readonly detail: string | undefined;
  readonly exitCode: 1 | 4 | 5;
  readonly data: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, options: FlareErrorOptions = {}) {
    const entry = ERROR_CODES[code];
    const base = options.message ?? entry.message;
    super(options.detail ? `${base} \u2014 ${options.detail}` : base, { cause: options.cause });
    this.name = "FlareError";
    this.code = code;
    this.hint = options.hint ?? entry.hint;
    this.detail = options.detail;
    this.exitCode = options.exit ?? entry.exit;
    this.data = options.data;
  }
}

/** `INVALID_ARGS` with the reference's generic message and a detail (validation.md preamble). */
export function invalidArgs(detail: string, hint?: string): FlareError {
  return new FlareError("INVALID_ARGS", hint === undefined ? { detail } : { detail, hint });
}

/** True when `value` is a {@link FlareError}, optionally with the given code. */
export function isFlareError(value: unknown, code?: ErrorCode): value is FlareError {
  return value instanceof FlareError && (code === undefined || value.code === code);
}
