import { join, resolve } from "node:path";
import { unlockCaKeyPem } from "../core/approval/approve-request.ts";
import { bytesEqual, utf8 } from "../core/bytes/encoding.ts";
import { FlareError, invalidArgs } from "../core/errors/flare-error.ts";
import { encryptPrivateKey, isEncryptedKeyPem } from "../core/x509/encrypted-key.ts";
import { type LoadedPrivateKey, loadPkcs8, parsePrivateKeyPem, pkcs8ToPkcs1 } from "../core/x509/keys.ts";
import { encodePem } from "../core/x509/pem.ts";
import { parseSoleCertificate } from "../core/x509/sole-certificate.ts";
import { commitFiles, recoverStale } from "./atomic-write.ts";
import { KEY_ENCRYPTION } from "./init-ca.ts";
import type { NodeEnv } from "./node-env.ts";
import type { PassphraseSource } from "./passphrase.ts";
import { tryReadFile } from "./read-input.ts";

/** Options of {@link encryptCaKey} and {@link decryptCaKey}. */
export interface CaKeyOptions {
  caDir: string;
  passphrase: PassphraseSource;
}

/** What `cert key encrypt|decrypt` reports. */
export interface CaKeyResult {
  caKey: string;
  encrypted: boolean;
  keyEncryption: string;
}

/**
 * `cert key encrypt`: rewrites an unencrypted `rootCA.key` as an encrypted PKCS#8 PEM under a
 * new passphrase, in place and atomically (temp file 0600, rename). The key must be the key of
 * `rootCA.pem`. The old bytes are not scrubbed from the disk (docs/security.md).
 */
export async function encryptCaKey(options: CaKeyOptions, env: NodeEnv): Promise<CaKeyResult> {
  const { dir, keyPath, shown, bytes } = readCaKey(options, env);
  if (isEncryptedKeyPem(bytes)) {
    throw invalidArgs(
      `${shown} is already encrypted`,
      "To change its passphrase, run 'nvflare cert key decrypt' and then 'nvflare cert key encrypt'.",
    );
  }
  const key = await loadKey(() => parsePrivateKeyPem(bytes, env.deps), shown);
  checkMatchesRoot(dir, key, shown);
  const passphrase = await options.passphrase({ what: `the root CA key ${shown}`, isNew: true });
  const pem = await encryptPrivateKey(key.pkcs8Der, passphrase, env.deps);
  // Never replace a working key with one that does not open: read it back first.
  const back = await unlockCaKeyPem(utf8(pem), passphrase, shown, env.deps);
  if (!bytesEqual(back, key.pkcs8Der)) throw new Error("the encrypted key does not decrypt to the original");
  writeKey(dir, pem);
  return { caKey: keyPath, encrypted: true, keyEncryption: KEY_ENCRYPTION };
}

/**
 * `cert key decrypt`: rewrites an encrypted `rootCA.key` as the unencrypted PKCS#1 PEM that
 * `cert init` writes by default (and NVFlare reads), in place and atomically, 0600.
 */
export async function decryptCaKey(options: CaKeyOptions, env: NodeEnv): Promise<CaKeyResult> {
  const { dir, keyPath, shown, bytes } = readCaKey(options, env);
  if (!isEncryptedKeyPem(bytes)) throw invalidArgs(`${shown} is not encrypted`);
  const passphrase = await options.passphrase({ what: `the root CA key ${shown}` });
  const pkcs8 = await unlockCaKeyPem(bytes, passphrase, shown, env.deps);
  const key = await loadKey(() => loadPkcs8(pkcs8, env.deps), shown);
  checkMatchesRoot(dir, key, shown);
  writeKey(dir, encodePem("RSA PRIVATE KEY", pkcs8ToPkcs1(pkcs8)));
  return { caKey: keyPath, encrypted: false, keyEncryption: "none (PKCS#1, as NVFlare writes it)" };
}

function readCaKey(options: CaKeyOptions, env: NodeEnv) {
  const dir = resolve(env.cwd, options.caDir);
  // Leftovers of a killed earlier rewrite go first: the old key comes back if it was cut short.
  recoverStale(dir);
  const keyPath = join(dir, "rootCA.key");
  const shown = join(options.caDir, "rootCA.key");
  const read = tryReadFile(keyPath);
  if (!read.ok) {
    if (read.reason === "missing")
      throw new FlareError("CA_NOT_FOUND", { message: `No root CA key found at ${shown}.` });
    throw invalidArgs(`cannot read ${shown}: ${read.detail}`);
  }
  return { dir, keyPath, shown, bytes: read.bytes };
}

async function loadKey(load: () => Promise<LoadedPrivateKey>, shown: string): Promise<LoadedPrivateKey> {
  try {
    return await load();
  } catch (error) {
    throw new FlareError("CA_LOAD_FAILED", {
      message: `Failed to load the root CA key ${shown}.`,
      detail: error instanceof Error ? error.message : String(error),
    });
  }
}

/** The key must be rootCA.pem's, when that is there: never re-encrypt a stray file. */
function checkMatchesRoot(dir: string, key: LoadedPrivateKey, shown: string): void {
  const pem = tryReadFile(join(dir, "rootCA.pem"));
  if (!pem.ok) return;
  let spki: Uint8Array;
  try {
    spki = parseSoleCertificate(pem.bytes).spkiDer;
  } catch {
    return;
  }
  if (!bytesEqual(spki, key.spkiDer)) {
    throw new FlareError("CA_LOAD_FAILED", {
      message: `Failed to load the root CA key ${shown}.`,
      detail: "rootCA.key does not match rootCA.pem",
    });
  }
}

/** Replaces rootCA.key as one journaled commit: a kill leaves the old key or the new one. */
function writeKey(dir: string, pem: string): void {
  commitFiles(dir, [{ name: "rootCA.key", bytes: utf8(pem), mode: 0o600 }]);
}
