// Runs the bundled hospital example through the whole flow with the built CLI:
// cert init -> cert request (each participant) -> cert approve -> package, in a fresh folder.
// Audit records go to a HOME inside that folder so the demo leaves ~/.nvflare alone.
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));
const cli = join(root, "dist", "cli.js");
const work = process.argv[2]
  ? resolve(process.argv[2])
  : mkdtempSync(join(tmpdir(), "flare-provision-demo-"));
mkdirSync(work, { recursive: true });
cpSync(join(root, "examples", "hospital"), work, { recursive: true });
const home = join(work, ".home");
mkdirSync(home, { recursive: true });

function nvflare(...args) {
  const out = execFileSync(process.execPath, [cli, "--format", "json", ...args], {
    cwd: work,
    env: { ...process.env, HOME: home },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  return JSON.parse(out).data;
}

const participants = [
  ["server.yaml", "server1.hospital-central.org"],
  ["hospital-a.yaml", "hospital-a"],
  ["hospital-b.yaml", "hospital-b"],
  ["alice.yaml", "alice@hospital-alpha.org"],
  ["bob.yaml", "bob@hospital-alpha.org"],
  ["carol.yaml", "carol@hospital-beta.org"],
];

console.log(`Working folder: ${work}\n`);
const ca = nvflare("cert", "init", "--profile", "project_profile.yaml", "-o", "ca");
console.log("1. Project Admin: cert init");
console.log(`   root CA      ${relative(work, ca.ca_cert)}`);
console.log(`   fingerprint  ${ca.rootca_fingerprint_sha256}  (share this out of band)\n`);

console.log("2. Each participant: cert request (the private key stays in its folder)");
for (const [file, name] of participants) {
  const req = nvflare("cert", "request", "--participant", file);
  console.log(`   ${name.padEnd(30)} ${relative(work, req.request_zip)}`);
}

console.log("\n3. Project Admin: cert approve");
for (const [, name] of participants) {
  const ok = nvflare(
    "cert",
    "approve",
    `${name}/${name}.request.zip`,
    "--ca-dir",
    "ca",
    "--profile",
    "project_profile.yaml",
  );
  console.log(`   ${name.padEnd(30)} ${ok.cert_type.padEnd(10)} ${relative(work, ok.signed_zip)}`);
}

console.log("\n4. Each participant: package --fingerprint <shared value>");
const kits = [];
for (const [, name] of participants) {
  const kit = nvflare("package", `${name}/${name}.signed.zip`, "--fingerprint", ca.rootca_fingerprint_sha256);
  kits.push(kit);
  console.log(`   ${name.padEnd(30)} ${kit.type.padEnd(10)} ${relative(work, kit.output_dir)}`);
}

function tree(dir, prefix = "") {
  const entries = readdirSync(dir).sort();
  entries.forEach((entry, i) => {
    const path = join(dir, entry);
    const last = i === entries.length - 1;
    const stat = statSync(path);
    const mode = (stat.mode & 0o777).toString(8).padStart(4, "0");
    console.log(`${prefix}${last ? "└── " : "├── "}${entry}${stat.isDirectory() ? "/" : ""}  ${mode}`);
    if (stat.isDirectory()) tree(path, `${prefix}${last ? "    " : "│   "}`);
  });
}
const client = kits.find((k) => k.name === "hospital-a");
console.log(`\nThe hospital-a kit (${relative(work, client.output_dir)}):`);
tree(client.output_dir);
console.log(`\nStart it with: ${client.next_step}`);
