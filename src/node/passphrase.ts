import { resolve } from "node:path";
import { unlockCaKeyPem } from "../core/approval/approve-request.ts";
import { fromUtf8 } from "../core/bytes/encoding.ts";
import type { CoreDeps } from "../core/deps.ts";
import { FlareError, invalidArgs } from "../core/errors/flare-error.ts";
import { tryReadFile } from "./read-input.ts";

/**
 * Where a CA key's passphrase comes from (docs/security.md "Passphrase-protected root key"):
 * a file (`--passphrase-file`, its first line), an environment variable the user names
 * (`--passphrase-env`), or the terminal, without echo. Never the command line, where `ps` and
 * the shell history would show it.
 */
export interface PassphraseOptions {
  passphraseFile?: string | undefined;
  passphraseEnv?: string | undefined;
}

/** A terminal to ask on: a TTY input with raw mode, and the stream the prompt goes to. */
export interface Terminal {
  input: NodeJS.ReadableStream & { isTTY?: boolean; isRaw?: boolean; setRawMode?: (raw: boolean) => unknown };
  output: NodeJS.WritableStream;
}

/** What a passphrase is for: the prompt names it; a new one is asked twice and must be long enough. */
export interface PassphrasePurpose {
  /** `the root CA key ca/rootCA.key`. */
  what: string;
  /** True when setting a passphrase (`cert init --encrypt-key`, `cert key encrypt`). */
  isNew?: boolean;
}

/** Yields the passphrase; called only when one is needed. */
export type PassphraseSource = (purpose: PassphrasePurpose) => Promise<string>;

/** A new passphrase shorter than this is refused: PBKDF2 slows guessing, it cannot make "1234" safe. */
export const MIN_NEW_PASSPHRASE = 8;

const PROCESS_TERMINAL: Terminal = { input: process.stdin, output: process.stderr };

/**
 * The passphrase source of a command's options. `env` is the process environment the CLI got;
 * `terminal` defaults to stdin (must be a TTY) with the prompt on stderr.
 */
export function passphraseSource(
  options: PassphraseOptions,
  context: { cwd: string; env: Record<string, string | undefined>; terminal?: Terminal },
): PassphraseSource {
  if (options.passphraseFile !== undefined && options.passphraseEnv !== undefined)
    throw invalidArgs("use either --passphrase-file or --passphrase-env, not both");
  return async (purpose) => {
    const value = await readPassphrase(options, context, purpose);
    if (purpose.isNew && [...value].length < MIN_NEW_PASSPHRASE) {
      throw invalidArgs(
        `the new passphrase is shorter than ${MIN_NEW_PASSPHRASE} characters`,
        "Choose a long passphrase (several words); it is the only protection of the key file.",
      );
    }
    return value;
  };
}

async function readPassphrase(
  options: PassphraseOptions,
  context: { cwd: string; env: Record<string, string | undefined>; terminal?: Terminal },
  purpose: PassphrasePurpose,
): Promise<string> {
  if (options.passphraseFile !== undefined) {
    const read = tryReadFile(resolve(context.cwd, options.passphraseFile), 64 * 1024);
    if (!read.ok)
      throw invalidArgs(`cannot read --passphrase-file ${options.passphraseFile}: ${read.detail}`);
    let text: string;
    try {
      text = fromUtf8(read.bytes);
    } catch {
      throw invalidArgs(`--passphrase-file ${options.passphraseFile} is not UTF-8 text`);
    }
    // As `openssl -passin file:` reads it: the first line, without its line end.
    const line = text.split(/\r?\n/, 1)[0] ?? "";
    if (line === "") {
      throw new FlareError("PASSPHRASE_REQUIRED", {
        message: `The passphrase file ${options.passphraseFile} is empty (its first line is the passphrase).`,
      });
    }
    return line;
  }
  if (options.passphraseEnv !== undefined) {
    const name = options.passphraseEnv;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      throw invalidArgs(`--passphrase-env takes the name of an environment variable, not '${name}'`);
    const value = context.env[name];
    if (value === undefined || value === "") {
      throw new FlareError("PASSPHRASE_REQUIRED", {
        message: `The environment variable ${name} (--passphrase-env) is not set or empty.`,
      });
    }
    return value;
  }
  const terminal = context.terminal ?? PROCESS_TERMINAL;
  if (!terminal.input.isTTY || typeof terminal.input.setRawMode !== "function") {
    throw new FlareError("PASSPHRASE_REQUIRED", {
      message: `A passphrase for ${purpose.what} is needed, and there is no terminal to ask on.`,
    });
  }
  const first = await readHidden(terminal, `Passphrase for ${purpose.what}: `);
  if (!purpose.isNew) return first;
  const again = await readHidden(terminal, "Repeat the passphrase: ");
  if (again !== first) throw invalidArgs("the two passphrases differ; nothing was written");
  return first;
}

/**
 * Reads one line from a TTY in raw mode, echoing nothing: Enter ends it, Backspace removes a
 * character, Ctrl-C or Ctrl-D on an empty line cancels (`PASSPHRASE_REQUIRED`).
 */
export function readHidden(terminal: Terminal, prompt: string): Promise<string> {
  const { input, output } = terminal;
  return new Promise((resolvePromise, reject) => {
    const wasRaw = input.isRaw === true;
    let chars: string[] = [];
    const finish = (error?: FlareError) => {
      input.removeListener("data", onData);
      input.setRawMode?.(wasRaw);
      input.pause();
      output.write("\n");
      if (error) reject(error);
      else resolvePromise(chars.join(""));
      chars = [];
    };
    const onData = (chunk: Buffer | string) => {
      for (const char of typeof chunk === "string" ? chunk : chunk.toString("utf8")) {
        if (char === "\r" || char === "\n") return finish();
        if (char === "\u0003" || (char === "\u0004" && chars.length === 0)) {
          return finish(
            new FlareError("PASSPHRASE_REQUIRED", {
              message: "Cancelled at the passphrase prompt; nothing was written.",
            }),
          );
        }
        if (char === "\u007f" || char === "\b") chars.pop();
        else if (char >= " ") chars.push(char);
      }
    };
    output.write(prompt);
    input.setRawMode?.(true);
    input.on("data", onData);
    input.resume();
  });
}

/**
 * The `unlockCaKey` hook of approval: asks `source` once, decrypts once, and hands every later
 * call (the other zips of a batch) the same result, or the same error: a wrong passphrase is
 * not asked again for each zip.
 */
export function caKeyUnlocker(
  source: PassphraseSource,
  keyPath: string,
  deps: Pick<CoreDeps, "crypto">,
): (encryptedPem: Uint8Array) => Promise<Uint8Array> {
  let unlocked: Promise<Uint8Array> | undefined;
  return (pem) => {
    unlocked ??= (async () =>
      unlockCaKeyPem(pem, await source({ what: `the root CA key ${keyPath}` }), keyPath, deps))();
    return unlocked;
  };
}
