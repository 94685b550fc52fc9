/**
 * The CRL at approval and packaging time (docs/security.md, "The issuance ledger and the
 * CRL"). `cert approve` carries the CA's current CRL inside signed.json as `crl_pem`, so the
 * CA's RSA-PSS signature over signed.json covers it and NVFlare's `package`, which ignores
 * unknown signed.json keys and refuses unknown zip members, still accepts the zip. `package`
 * refuses a certificate that a CRL it can see lists, and gives a server kit the newest one.
 */
import { utf8 } from "../bytes/encoding.ts";
import { KIT_CRL_FILE, KIT_ROOT_CA } from "../crl/kit-layout.ts";
import { CrlParseError, type ParsedCrl, parseCrl } from "../crl/parse-crl.ts";
import { planCrlInstall } from "../crl/plan-crl-install.ts";
import { iso, verifyCrl } from "../crl/verify-crl.ts";
import type { CoreDeps } from "../deps.ts";
import { FlareError } from "../errors/flare-error.ts";
import type { KitTree } from "../kit/types.ts";
import type { ParsedCertificate } from "../x509/certificate.ts";

/** The signed.json key that carries the CA's CRL (PEM text). */
export const SIGNED_CRL_KEY = "crl_pem";

/** A CRL as given, with the name it has in messages. */
export interface CrlSource {
  label: string;
  bytes: Uint8Array | string;
}

/**
 * Parses `source` and checks that `root` issued and signed it. A CRL past its nextUpdate is
 * still used: it lists at least what was revoked when it was made.
 */
export async function loadTrustedCrl(
  source: CrlSource,
  root: ParsedCertificate,
  rootLabel: string,
  deps: Pick<CoreDeps, "crypto" | "now">,
): Promise<ParsedCrl> {
  let crl: ParsedCrl;
  try {
    crl = parseCrl(source.bytes);
  } catch (error) {
    if (!(error instanceof CrlParseError)) throw error;
    throw new FlareError("CRL_INVALID", {
      message: `Not a valid CRL: ${source.label}.`,
      detail: error.message,
    });
  }
  await verifyCrl(crl, root, { label: source.label, rootLabel, allowStale: true }, deps);
  return crl;
}

/** Throws `CERT_REVOKED` when `crl` lists `certificate`. */
export function refuseRevoked(
  certificate: ParsedCertificate,
  name: string,
  crl: ParsedCrl,
  label: string,
): void {
  const entry = crl.revoked.find((r) => r.serialHex === certificate.serialHex);
  if (!entry) return;
  throw new FlareError("CERT_REVOKED", {
    message: `The certificate of ${name} (serial ${certificate.serialHex}) is revoked by the CRL ${label} (CRL number ${crl.crlNumber}): revoked ${iso(entry.revocationDate)}${entry.reason ? `, reason ${entry.reason}` : ""}.`,
  });
}

/**
 * Every CRL `package` can see — the one in the signed zip, and the one given with `--crl` —
 * checked against the signed zip's root; refuses a certificate one of them lists. Returns
 * the newest (highest CRL number), or undefined when there is none.
 */
export async function checkPackageCrls(
  approval: {
    signed: Record<string, unknown>;
    certificate: ParsedCertificate;
    root: ParsedCertificate;
    name: string;
  },
  zipLabel: string,
  extra: CrlSource | undefined,
  deps: Pick<CoreDeps, "crypto" | "now">,
): Promise<ParsedCrl | undefined> {
  const found: ParsedCrl[] = [];
  const embedded = approval.signed[SIGNED_CRL_KEY];
  if (embedded !== undefined) {
    const label = `${zipLabel} (signed.json ${SIGNED_CRL_KEY})`;
    if (typeof embedded !== "string")
      throw new FlareError("CRL_INVALID", {
        message: `Not a valid CRL: ${label}.`,
        detail: "not a PEM string",
      });
    const crl = await loadTrustedCrl(
      { label, bytes: embedded },
      approval.root,
      `${zipLabel} rootCA.pem`,
      deps,
    );
    refuseRevoked(approval.certificate, approval.name, crl, label);
    found.push(crl);
  }
  if (extra) {
    const crl = await loadTrustedCrl(extra, approval.root, `${zipLabel} rootCA.pem`, deps);
    refuseRevoked(approval.certificate, approval.name, crl, extra.label);
    found.push(crl);
  }
  return found.sort((a, b) => Number((b.crlNumber ?? 0n) - (a.crlNumber ?? 0n)))[0];
}

/**
 * Adds the CRL, the revocation guard and its resources drop-in to a server kit in memory,
 * exactly as `kit crl install` would place them (src/core/crl/plan-crl-install.ts).
 */
export async function addCrlToServerKit(
  tree: KitTree,
  crl: ParsedCrl,
  label: string,
  guardModule: Uint8Array,
  deps: Pick<CoreDeps, "crypto" | "now">,
): Promise<string[]> {
  const file = (path: string) => tree.files.get(path)?.bytes;
  const rootCaPem = file(KIT_ROOT_CA);
  const resourcesJson = file("local/resources.json");
  const resourcesJsonDefault = file("local/resources.json.default");
  const plan = await planCrlInstall(
    {
      crlBytes: crl.der,
      crlLabel: label,
      kit: {
        label: "the server kit",
        fedServer: tree.files.has("startup/fed_server.json"),
        fedClient: false,
        fedAdmin: false,
        ...(rootCaPem ? { rootCaPem } : {}),
        ...(resourcesJson ? { resourcesJson } : {}),
        ...(resourcesJsonDefault ? { resourcesJsonDefault } : {}),
      },
      guardModule,
      force: true,
    },
    deps,
  );
  const writes = [...plan.customFiles, ...(plan.resourcesFile ? [plan.resourcesFile] : [])];
  const files = new Map(tree.files);
  for (const w of writes) files.set(w.path, { bytes: w.bytes, mode: w.mode });
  if (!files.has(KIT_CRL_FILE)) files.set(KIT_CRL_FILE, { bytes: utf8(crl.pem), mode: 0o644 });
  tree.files = new Map([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const dirs = new Set(tree.dirs);
  for (const path of files.keys()) {
    const parts = path.split("/");
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join("/"));
  }
  tree.dirs = [...dirs].sort();
  // A stale CRL still revokes what it lists: it goes in, with the warning.
  return plan.warnings.map((w) =>
    w.replace(
      "; installed because of --force.",
      "; installed anyway: ask the Project Admin for a fresh one.",
    ),
  );
}
