import { isoSeconds } from "../bytes/time.ts";
import type { CoreDeps } from "../deps.ts";
import { FlareError } from "../errors/flare-error.ts";
import { dumpJson } from "../json/dump-json.ts";
import { parseCertificate } from "../x509/certificate.ts";
import { fingerprintSha256 } from "../x509/fingerprint.ts";
import { issueRootCertificate } from "../x509/issue.ts";
import { generateRsaKeyPair } from "../x509/keys.ts";
import { randomSerial } from "../x509/serial.ts";

/** Inputs of {@link createRootCa}. */
export interface RootCaParams {
  project: string;
  /** Adds `O=<org>` to the root subject; the issuer always equals the subject (certificates.md §9 fix). */
  org?: string | undefined;
  /** Root validity in days (default 3650 at the CLI). */
  validDays: number;
  /** Two digits, recorded as `provision_version`. */
  deployVersion: string;
  /** Absolute path of the profile, recorded in `ca.json` (informational). */
  profilePath: string;
}

/** The CA files to write, all computed before anything touches the disk. */
export interface RootCa {
  /** PKCS#1 PEM, what `cert init` writes by default (NVFlare reads it). */
  keyPem: string;
  /** The same key as DER PKCS#8, for `cert init --encrypt-key` (encryptPrivateKey). */
  keyPkcs8Der: Uint8Array;
  certPem: string;
  /** `ca.json` text (artifacts.md §8), Python `indent=2` style. */
  caJson: string;
  fingerprint: string;
  /** Now + validDays, as the reference prints it (cli.md §3). */
  validUntil: string;
}

/** Generates the root key and self-signed certificate and renders `ca.json` (validation.md §4.1 rows 11-12). */
export async function createRootCa(params: RootCaParams, deps: CoreDeps): Promise<RootCa> {
  const now = deps.now();
  try {
    const keys = await generateRsaKeyPair(deps);
    const certPem = await issueRootCertificate(
      { project: params.project, org: params.org, validDays: params.validDays, serial: randomSerial(deps) },
      keys,
      deps,
    );
    const fingerprint = await fingerprintSha256(parseCertificate(certPem).der, deps);
    const caJson = dumpJson(
      {
        project: params.project,
        created_at: isoSeconds(now),
        provision_version: params.deployVersion,
        rootCA_fingerprint: fingerprint,
        project_profile: params.profilePath,
      },
      { indent: 2 },
    );
    const validUntil = isoSeconds(new Date(now.getTime() + params.validDays * 86_400_000));
    return {
      keyPem: keys.privateKeyPem,
      keyPkcs8Der: keys.pkcs8Der,
      certPem,
      caJson,
      fingerprint,
      validUntil,
    };
  } catch (error) {
    if (error instanceof FlareError) throw error;
    throw new FlareError("CERT_GENERATION_FAILED", {
      detail: error instanceof Error ? error.message : String(error),
      cause: error,
    });
  }
}
