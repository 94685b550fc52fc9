import { parse as parseYaml } from "yaml";
import { fromUtf8 } from "../../src/core/bytes/encoding.ts";
import type { KitCertType, KitInput } from "../../src/core/kit/types.ts";
import { fixtureModes, readFixture } from "./fixtures.ts";
import { withheldFiles } from "./golden.ts";

// Test-only helpers shared by the kit tests (never imported by the library): they turn a
// reference scenario into the KitInput the reference packaged, and list its golden kit.

/** One reference kit: where its request folder and its packaged kit live in the fixtures. */
export interface ReferenceKit {
  /** Short label for test names, e.g. `hospital/hospital-a`. */
  label: string;
  /** Request folder (after package: key, crt, rootCA.pem, signed.json, local site.yaml). */
  requestDir: string;
  /** The packaged kit folder `.../prod_NN/<name>`. */
  kitDir: string;
}

const LOCAL_DEMO = ["grpc-mtls", "tcp-clear", "http-clear", "http-mtls", "grpc-tls-server-mtls"];

/**
 * Every reference kit packaged with stock builders (CATALOGUE.md: hospital/, deploy-01/,
 * local-demo/, builders/, the errors/ setup).
 */
export function referenceKits(): ReferenceKit[] {
  const kits: ReferenceKit[] = [];
  const add = (label: string, work: string, prod: string, name: string, requestDir = `${work}/${name}`) =>
    kits.push({ label, requestDir, kitDir: `${work}/workspace/${prod}/${name}` });
  for (const name of [
    "server1.hospital-central.org",
    "hospital-a",
    "alice@hospital-alpha.org",
    "bob@hospital-alpha.org",
    "carol@hospital-beta.org",
  ]) {
    add(`hospital/${name}`, "hospital/work", "hospital_federation/prod_00", name);
  }
  for (const name of ["hospital-c", "hospital-d"]) {
    add(`deploy-01/${name}`, "deploy-01/work", "hospital_federation/prod_01", name);
  }
  for (const variant of LOCAL_DEMO) {
    for (const name of ["localhost", "site-1", "admin@example.com"]) {
      add(`local-demo/${variant}/${name}`, `local-demo/${variant}/work`, "local_demo/prod_00", name);
    }
  }
  for (const variant of ["default", "unsigned-jobs"]) {
    kits.push({
      label: `builders/${variant}`,
      requestDir: `builders/work/${variant}/site-b`,
      kitDir: `builders/work/${variant}/workspace/hospital_federation/prod_00/site-b`,
    });
  }
  add("errors/site-1", "errors/work", "hospital_federation/prod_00", "site-1");
  return kits;
}

/** The local site.yaml of a request folder, parsed with YAML 1.1 rules like PyYAML. */
export function readLocalSite(requestDir: string): Record<string, unknown> {
  return parseYaml(fromUtf8(readFixture(requestDir, "site.yaml")), { version: "1.1" }) as Record<
    string,
    unknown
  >;
}

/** The KitInput the reference had when it packaged the kit of `requestDir`. */
export function kitInputFromRequestDir(requestDir: string): KitInput {
  const site = readLocalSite(requestDir);
  const signed = JSON.parse(fromUtf8(readFixture(requestDir, "signed.json"))) as {
    name: string;
    org: string;
    cert_type: KitCertType;
    scheme: string;
    default_connection_security: string;
    server: { host: string; fed_learn_port: number; admin_port: number };
  };
  const participants = site.participants as Record<string, unknown>[];
  return {
    project: site.name as string,
    name: signed.name,
    org: signed.org,
    certType: signed.cert_type,
    participant: participants[0] as Record<string, unknown>,
    builders: site.builders,
    signed: {
      scheme: signed.scheme,
      defaultConnectionSecurity: signed.default_connection_security,
      server: {
        host: signed.server.host,
        fedLearnPort: signed.server.fed_learn_port,
        adminPort: signed.server.admin_port,
      },
    },
    certPem: readFixture(requestDir, `${signed.name}.crt`),
    keyPem: readFixture(requestDir, `${signed.name}.key`),
    rootCaPem: readFixture(requestDir, "rootCA.pem"),
  };
}

/**
 * The files (path → mode) and directories of a reference kit as the reference wrote it: the
 * copied files and folders from file-modes.tsv plus the NVIDIA-written files the repository
 * does not hold (golden/withheld-files.json), so the listing is complete.
 */
export function fixtureKitListing(kitDir: string): { files: Map<string, number>; dirs: string[] } {
  const prefix = `${kitDir}/`;
  const files = new Map<string, number>();
  const dirs: string[] = [];
  for (const row of fixtureModes()) {
    if (!row.path.startsWith(prefix)) continue;
    const rel = row.path.slice(prefix.length).replace(/\/$/, "");
    if (row.type === "f") files.set(rel, row.mode);
    else if (rel !== "") dirs.push(rel);
  }
  for (const file of withheldFiles()) {
    if (!file.path.startsWith(prefix)) continue;
    const rel = file.path.slice(prefix.length);
    files.set(rel, Number.parseInt(file.mode, 8));
  }
  return { files, dirs: dirs.sort() };
}
