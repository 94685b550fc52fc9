import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { describe, test } from "node:test";
import { isFlareError } from "../core/errors/flare-error.ts";
import { passphraseSource, readHidden, type Terminal } from "./passphrase.ts";

/** A fake TTY: what the user types, and everything the prompt wrote. */
function fakeTerminal(): {
  terminal: Terminal;
  type: (text: string) => void;
  shown: () => string;
  raw: boolean[];
} {
  const input = new PassThrough() as unknown as Terminal["input"] & PassThrough;
  const raw: boolean[] = [];
  Object.assign(input, { isTTY: true, isRaw: false, setRawMode: (on: boolean) => raw.push(on) });
  let written = "";
  const output = new PassThrough();
  output.on("data", (chunk: Buffer) => {
    written += chunk.toString("utf8");
  });
  return {
    terminal: { input, output },
    type: (text) => (input as PassThrough).write(text),
    shown: () => written,
    raw,
  };
}

describe("readHidden", () => {
  test("reads a line in raw mode without echoing it, and handles backspace", async () => {
    const t = fakeTerminal();
    const line = readHidden(t.terminal, "Passphrase: ");
    t.type("secret");
    t.type("x\u007f pass\r");
    assert.equal(await line, "secret pass");
    await new Promise((r) => setImmediate(r));
    assert.equal(t.shown(), "Passphrase: \n", "nothing of the passphrase is shown");
    assert.deepEqual(t.raw, [true, false], "raw mode on, then restored");
  });

  test("Ctrl-C cancels with PASSPHRASE_REQUIRED", async () => {
    const t = fakeTerminal();
    const line = readHidden(t.terminal, "Passphrase: ");
    t.type("abc\u0003");
    await assert.rejects(line, (e) => isFlareError(e, "PASSPHRASE_REQUIRED"));
  });
});

describe("passphraseSource on a terminal", () => {
  test("a new passphrase is asked twice and must match", async () => {
    const t = fakeTerminal();
    const source = passphraseSource({}, { cwd: "/", env: {}, terminal: t.terminal });
    const asked = source({ what: "the key", isNew: true });
    t.type("long enough phrase\r");
    await new Promise((r) => setImmediate(r));
    t.type("long enough phrase\r");
    assert.equal(await asked, "long enough phrase");
    assert.match(t.shown(), /^Passphrase for the key: \nRepeat the passphrase: \n$/);

    const t2 = fakeTerminal();
    const differ = passphraseSource(
      {},
      { cwd: "/", env: {}, terminal: t2.terminal },
    )({ what: "k", isNew: true });
    t2.type("long enough phrase\r");
    await new Promise((r) => setImmediate(r));
    t2.type("long enough phrasf\r");
    await assert.rejects(differ, (e) => isFlareError(e, "INVALID_ARGS") && /differ/.test(e.message));
  });

  test("no TTY is PASSPHRASE_REQUIRED; both a file and a variable is INVALID_ARGS", async () => {
    const input = new PassThrough() as unknown as Terminal["input"];
    const source = passphraseSource(
      {},
      { cwd: "/", env: {}, terminal: { input, output: new PassThrough() } },
    );
    await assert.rejects(source({ what: "k" }), (e) => isFlareError(e, "PASSPHRASE_REQUIRED"));
    assert.throws(
      () => passphraseSource({ passphraseFile: "f", passphraseEnv: "E" }, { cwd: "/", env: {} }),
      (e) => isFlareError(e, "INVALID_ARGS"),
    );
    const bad = passphraseSource({ passphraseEnv: "NOT-A-NAME" }, { cwd: "/", env: {} });
    await assert.rejects(bad({ what: "k" }), (e) => isFlareError(e, "INVALID_ARGS"));
  });
});
