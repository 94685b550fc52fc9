/**
 * Key material the tests make themselves: RSA keys of any size and exponent (node:crypto, so
 * RSA-512 and e=3 are possible), request zips whose CSR carries such a key, CA folders with such
 * a root, and leaf certificates issued by a CA folder for any public key — the inputs a careless
 * or hostile party could produce with openssl.
 */
import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { utf8 } from "../../../src/core/bytes/encoding.ts";
import { sha256Hex } from "../../../src/core/bytes/hash.ts";
import { isoSeconds } from "../../../src/core/bytes/time.ts";
import { type CoreDeps, platformDeps } from "../../../src/core/deps.ts";
import { dumpJson } from "../../../src/core/json/dump-json.ts";
import { parseJson } from "../../../src/core/json/parse-json.ts";
import { parseCertificate } from "../../../src/core/x509/certificate.ts";
import { buildCsr } from "../../../src/core/x509/csr.ts";
import { fingerprintSha256, spkiSha256 } from "../../../src/core/x509/fingerprint.ts";
import { type CertType, issueLeafCertificate, issueRootCertificate } from "../../../src/core/x509/issue.ts";
import { type LoadedPrivateKey, loadPkcs8, parsePrivateKeyPem } from "../../../src/core/x509/keys.ts";
import { randomSerial } from "../../../src/core/x509/serial.ts";
import { readZip } from "../../../src/core/zip/read-zip.ts";
import { writeZip } from "../../../src/core/zip/write-zip.ts";

/** An RSA key pair as files hold it (PKCS#1 PEM) and as our signing code loads it. */
export interface TestKey {
  pem: string;
  loaded: LoadedPrivateKey;
}

/** A fresh RSA key of `bits` bits with public exponent `exponent`. */
export async function rsaKey(
  bits: number,
  exponent = 65537,
  deps: CoreDeps = platformDeps(),
): Promise<TestKey> {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: bits, publicExponent: exponent });
  const pkcs8 = new Uint8Array(privateKey.export({ type: "pkcs8", format: "der" }));
  return {
    pem: privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
    loaded: await loadPkcs8(pkcs8, deps),
  };
}

/**
 * A copy of a genuine request zip whose CSR is re-made with `key` (same subject), with
 * request.json's `csr_sha256` and `public_key_sha256` updated, so that only the key differs.
 */
export async function requestZipWithKey(
  zipBytes: Uint8Array,
  key: TestKey,
  subject: { commonName: string; org: string; certType: CertType },
  deps: CoreDeps = platformDeps(),
): Promise<{ zip: Uint8Array; csrPem: string }> {
  const members = new Map(readZip(zipBytes).map((e) => [e.name, e.data]));
  const csrPem = await buildCsr(subject, key.loaded, deps);
  const request = parseJson(members.get("request.json") as Uint8Array, "request.json") as Record<
    string,
    unknown
  >;
  request.csr_sha256 = await sha256Hex(deps, csrPem);
  request.public_key_sha256 = await spkiSha256(key.loaded.spkiDer, deps);
  members.set("request.json", utf8(dumpJson(request, { indent: 2 })));
  members.set(`${subject.commonName}.csr`, utf8(csrPem));
  const zip = writeZip(
    [...members].map(([name, data]) => ({ name, data })),
    { date: new Date("2026-01-01T00:00:00Z") },
  );
  return { zip, csrPem };
}

/** Writes a CA folder (`rootCA.key`, `rootCA.pem`, `ca.json`) for `project` whose root key is `key`. */
export async function writeCaFolder(
  dir: string,
  project: string,
  key: TestKey,
  deps: CoreDeps = platformDeps(),
): Promise<{ certPem: string; fingerprint: string }> {
  const certPem = await issueRootCertificate(
    { project, validDays: 3650, serial: randomSerial(deps) },
    key.loaded,
    deps,
  );
  const fingerprint = await fingerprintSha256(parseCertificate(certPem).der, deps);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, "rootCA.key"), key.pem, { mode: 0o600 });
  writeFileSync(join(dir, "rootCA.pem"), certPem, { mode: 0o644 });
  const caJson = {
    project,
    created_at: isoSeconds(deps.now()),
    provision_version: "00",
    rootCA_fingerprint: fingerprint,
  };
  writeFileSync(join(dir, "ca.json"), dumpJson(caJson, { indent: 2 }), { mode: 0o600 });
  return { certPem, fingerprint };
}

/** A client certificate for `name` over `spkiDer`, issued by the CA folder `caDir`. */
export async function issueClientCertificate(
  caDir: string,
  name: string,
  org: string,
  spkiDer: Uint8Array,
  deps: CoreDeps = platformDeps(),
): Promise<string> {
  const root = parseCertificate(readFileSync(join(caDir, "rootCA.pem")));
  const caKey = await parsePrivateKeyPem(readFileSync(join(caDir, "rootCA.key")), deps);
  return issueLeafCertificate(
    {
      commonName: name,
      org,
      certType: "client",
      spkiDer,
      subjectAltNames: [{ type: "dns", value: name }],
      validDays: 365,
      serial: randomSerial(deps),
    },
    { certificate: root, privateKey: caKey.privateKey },
    deps,
  );
}
