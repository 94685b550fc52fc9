import type { Reporter } from "./output.ts";

/** How a value is typed in `--schema` output (cli.md §5). */
export type ArgType = "path" | "string" | "boolean" | "integer";

/** One option or positional of a command. Specs are data: help, schema and parsing read them. */
export interface ArgSpec {
  /** `--out`, or the positional's name (`request_zip`). */
  name: string;
  /** Short or long aliases (`-o`, `--expected-fingerprint`). */
  aliases?: string[];
  /** Key in the parsed options object (camelCase). */
  key: string;
  type: ArgType;
  positional?: boolean;
  /** A last positional that takes every remaining value (argparse `nargs="+"`); parsed as `string[]`. */
  variadic?: boolean;
  required?: boolean;
  metavar?: string;
  description: string;
  default?: string | number | boolean;
  /** Converts the raw text, throwing an Error whose message is argparse-style (`value must be >= 1`). */
  parse?: (raw: string) => unknown;
  /** Hidden from help and schema (legacy `--output`). */
  hidden?: boolean;
}

/** What a command action receives besides its options. */
export interface CommandContext {
  reporter: Reporter;
  cwd: string;
  env: Record<string, string | undefined>;
}

/** A command: words, help text, arguments and a lazily loaded action. */
export interface CommandSpec {
  /** `["cert", "approve"]` or `["package"]`. */
  words: string[];
  /** One line for the command lists of the top-level and group help. */
  summary: string;
  description: string;
  args: ArgSpec[];
  /**
   * Example lines, written with the program name `nvflare` (the `--schema` document shows them
   * as they are); `--help` shows them with the name the CLI was invoked as.
   */
  examples: string[];
  /** Loads and runs the action; returns nothing, prints through the reporter. */
  run: (options: Record<string, unknown>, context: CommandContext) => Promise<void>;
}

/**
 * A first command word that only groups subcommands (`cert`). Its help lists the commands of
 * the table that start with `word`; on its own it is an argument error (cli.md §2).
 */
export interface CommandGroup {
  word: string;
  summary: string;
  description: string;
}

/** The argparse-style name of an arg for messages: `-p/--participant`, `--out`, `request_zip`. */
export function displayName(arg: ArgSpec): string {
  if (arg.positional) return arg.name;
  const shorts = (arg.aliases ?? []).filter((a) => !a.startsWith("--"));
  return [...shorts, arg.name].join("/");
}

/** Integer >= 1 parser with the reference's message (validation.md §4.1 row 1). */
export function positiveInt(raw: string): number {
  if (!/^[+-]?\d+$/.test(raw.trim())) throw new Error(`invalid int value: '${raw}'`);
  const n = Number.parseInt(raw, 10);
  if (n < 1) throw new Error("value must be >= 1");
  return n;
}

/** Two-digit deploy version parser (validation.md §4.1 row 1). */
export function deployVersion(raw: string): string {
  if (!/^[0-9]{2}$/.test(raw)) throw new Error("version must be exactly two digits, for example 00");
  return raw;
}

/**
 * The check every `path` value passes before its command sees it (docs/security.md "Arguments").
 * An empty string is never a path: Node resolves it to the current folder, so `cert approve
 * "$REQ"` with `REQ` unset would approve every request zip there, and `cert init -o ""` would
 * write the CA into it. Whitespace-only values are refused too: no file of this workflow is
 * named `" "`, and such a value is an unquoted or mistyped expansion. A U+FFFD is what Node
 * makes of bytes that are not UTF-8 (argv is decoded lossily), so writing to that path would
 * write somewhere the user did not name; a real U+FFFD in a name cannot be told apart and is
 * refused as well. Returns `raw` unchanged.
 */
export function checkPathValue(raw: string): string {
  if (raw === "") throw new Error("expected a path, got an empty string");
  if (raw.trim() === "") throw new Error(`expected a path, got only whitespace ('${raw}')`);
  if (raw.includes("\uFFFD")) {
    throw new Error(
      "the path is not valid UTF-8 (it holds U+FFFD, which replaces undecodable bytes); rename the file or folder to a UTF-8 name",
    );
  }
  return raw;
}
