import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** One revoked certificate for {@link opensslCrl}. */
export interface RevokedSerial {
  /** Hex serial without `0x` (as OpenSSL's index.txt writes it). */
  serial: string;
  /** A CRLReason name OpenSSL knows (`keyCompromise`, `superseded`, ...); none = no reason code. */
  reason?: string;
}

/** Options of {@link opensslCrl}. */
export interface OpensslCrlOptions {
  /** PEM of the signing CA's certificate and key. */
  caCert: string;
  caKey: string;
  revoked?: RevokedSerial[];
  /** The cRLNumber; `null` leaves it out (no crlnumber file). */
  crlNumber?: number | null;
  /** thisUpdate and nextUpdate (`-crl_lastupdate` / `-crl_nextupdate`). */
  lastUpdate: Date;
  nextUpdate: Date;
  /** DER instead of PEM. */
  der?: boolean;
}

function opensslTime(date: Date): string {
  return `${date.toISOString().replace(/[-:T]/g, "").slice(0, 14)}Z`;
}

/**
 * A CRL made by `openssl ca -gencrl` from a throwaway CA database (index.txt rows written
 * directly, `R` = revoked), the way an operator without our `cert revoke` would make one.
 */
export function opensslCrl(options: OpensslCrlOptions): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), "flare-openssl-crl-"));
  try {
    writeFileSync(join(dir, "ca.pem"), options.caCert);
    writeFileSync(join(dir, "ca.key"), options.caKey, { mode: 0o600 });
    const rows = (options.revoked ?? []).map(({ serial, reason }) => {
      const revokedAt = `${opensslTime(options.lastUpdate).slice(2)}${reason ? `,${reason}` : ""}`;
      return `R\t491231235959Z\t${revokedAt}\t${serial.toUpperCase()}\tunknown\t/CN=revoked-${serial}\n`;
    });
    writeFileSync(join(dir, "index.txt"), rows.join(""));
    const crlNumber = options.crlNumber === undefined ? 1 : options.crlNumber;
    if (crlNumber !== null)
      writeFileSync(join(dir, "crlnumber"), `${crlNumber.toString(16).padStart(2, "0")}\n`);
    writeFileSync(
      join(dir, "openssl.cnf"),
      [
        "[ ca ]",
        "default_ca = test_ca",
        "[ test_ca ]",
        `dir = ${dir}`,
        "database = $dir/index.txt",
        crlNumber !== null ? "crlnumber = $dir/crlnumber" : "",
        "default_md = sha256",
        "crl_extensions = crl_ext",
        "[ crl_ext ]",
        "authorityKeyIdentifier = keyid:always",
        "",
      ].join("\n"),
    );
    const out = join(dir, "crl.pem");
    execFileSync(
      "openssl",
      [
        "ca",
        "-gencrl",
        "-batch",
        "-config",
        join(dir, "openssl.cnf"),
        "-cert",
        join(dir, "ca.pem"),
        "-keyfile",
        join(dir, "ca.key"),
        "-crl_lastupdate",
        opensslTime(options.lastUpdate),
        "-crl_nextupdate",
        opensslTime(options.nextUpdate),
        "-out",
        out,
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    if (!options.der) return new Uint8Array(readFileSync(out));
    return new Uint8Array(execFileSync("openssl", ["crl", "-in", out, "-outform", "DER"]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A throwaway self-signed CA made by `openssl req -x509`: its certificate and key PEM. */
export function opensslCa(subject: string): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), "flare-openssl-ca-"));
  try {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        join(dir, "ca.key"),
        "-out",
        join(dir, "ca.pem"),
        "-days",
        "30",
        "-subj",
        subject,
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    return {
      cert: readFileSync(join(dir, "ca.pem"), "utf8"),
      key: readFileSync(join(dir, "ca.key"), "utf8"),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
