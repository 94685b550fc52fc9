import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { AsnConvert } from "@peculiar/asn1-schema";
import { Certificate } from "@peculiar/asn1-x509";
import { type ParsedCertificate, parseCertificate, verifyCertificateSignature } from "./certificate.ts";
import { readTlv, tlvChildren } from "./der.ts";
import {
  CertificateIssueError,
  type CertType,
  issueLeafCertificate,
  issueRootCertificate,
  serverSubjectAltNames,
  signingCaProblem,
} from "./issue.ts";
import { generateRsaKeyPair, parsePrivateKeyPem, type RsaKeyPair } from "./keys.ts";
import { decodePem } from "./pem.ts";
import { randomSerial } from "./serial.ts";
import {
  epochSeconds,
  HAVE_OPENSSL,
  hex,
  hospital,
  hospitalText,
  inTempDir,
  NOW,
  openssl,
  PARTICIPANTS,
  testDeps,
} from "./x509.test-helper.ts";

const deps = testDeps();
const noOpenssl = !HAVE_OPENSSL && "openssl is not installed";
const DAY = 86_400_000;
const PROJECT = "hospital_federation";
const SERVER = "server1.hospital-central.org";
const SERVER_SANS = serverSubjectAltNames(SERVER, ["10.0.1.50", "fl-server.internal"]);
const refRoot = parseCertificate(hospital("ca", "rootCA.pem"));

/** The typed asn1-x509 view of a PEM certificate. */
const asn1 = (pem: string | Uint8Array) => AsnConvert.parse(decodePem(pem, "CERTIFICATE"), Certificate);

/** Extension OIDs, criticality and DER values in order. */
const extensionList = (pem: string | Uint8Array) =>
  Array.from(asn1(pem).tbsCertificate.extensions ?? [], (e) => ({
    oid: e.extnID,
    critical: e.critical,
    value: Buffer.from(e.extnValue.buffer).toString("hex"),
  }));

/** The string type of every subject and issuer attribute value. */
const nameStringTypes = (pem: string | Uint8Array) => {
  const tbs = asn1(pem).tbsCertificate;
  return [tbs.subject, tbs.issuer].map((name) =>
    Array.from(name, (rdn) => Array.from(rdn, (a) => (a.value.utf8String === undefined ? "other" : "utf8"))),
  );
};

/** `openssl x509 -text` of a PEM. */
function opensslText(pem: string): Promise<string> {
  return inTempDir({ "c.pem": pem }, (dir) => {
    const run = openssl(["x509", "-in", "c.pem", "-noout", "-text"], { cwd: dir });
    assert.equal(run.status, 0, run.stderr);
    return run.stdout;
  });
}

/** `Issuer`, `Subject` and each extension line of `openssl x509 -text`, key IDs masked. */
async function opensslSummary(pem: string): Promise<string[]> {
  const text = await opensslText(pem);
  const out = [...text.matchAll(/^ {8}(Issuer|Subject): (.*)$/gm)].map((m) => `${m[1]}: ${m[2]}`);
  for (const m of text.matchAll(/^ {12}(X509v3 [^:\n]+):( critical)?\s*\n\s+(.*)$/gm)) {
    const value = m[1]!.endsWith("Key Identifier") ? "<keyid>" : m[3]!.trim();
    out.push(`${m[1]}${m[2] ?? ""}: ${value}`);
  }
  return out;
}

/** `openssl verify` of `leaf` against `root` at the test clock, optionally for a purpose. */
function opensslVerify(root: string, leaf: string, purpose?: string) {
  return inTempDir({ "root.pem": root, "leaf.pem": leaf }, (dir) => {
    const purposeArgs = purpose ? ["-purpose", purpose] : [];
    const at = epochSeconds(new Date(NOW.getTime() + 60_000));
    return openssl(["verify", "-attime", at, ...purposeArgs, "-CAfile", "root.pem", "leaf.pem"], {
      cwd: dir,
    });
  });
}

describe("reproducing the reference certificates", () => {
  it("issues rootCA.pem byte for byte from the same key, serial and time", async () => {
    const key = await parsePrivateKeyPem(hospital("ca", "rootCA.key"), deps);
    const pem = await issueRootCertificate(
      { project: PROJECT, validDays: 3650, serial: hex(refRoot.serialHex.slice(2)) },
      key,
      testDeps(refRoot.notBefore),
    );
    assert.equal(pem, hospitalText("ca", "rootCA.pem"));
  });

  for (const p of PARTICIPANTS) {
    it(`issues ${p.name}.crt byte for byte from the same CSR key, serial and time`, async () => {
      const rootKey = await parsePrivateKeyPem(hospital("ca", "rootCA.key"), deps);
      const reference = parseCertificate(hospital(p.name, `${p.name}.crt`));
      const pem = await issueLeafCertificate(
        {
          commonName: p.name,
          org: p.org,
          certType: p.certType,
          spkiDer: reference.spkiDer,
          subjectAltNames: p.certType === "server" ? SERVER_SANS : [],
          validDays: 1095,
          serial: hex(reference.serialHex.slice(2)),
        },
        { certificate: refRoot, privateKey: rootKey.privateKey },
        testDeps(reference.notBefore),
      );
      assert.equal(pem, hospitalText(p.name, `${p.name}.crt`));
    });
  }
});

describe("a fresh root and its leaves", () => {
  let rootKeys: RsaKeyPair;
  let leafKeys: RsaKeyPair;
  let rootPem: string;
  let root: ParsedCertificate;
  const leaves = new Map<CertType, string>();

  before(async () => {
    rootKeys = await generateRsaKeyPair(deps);
    leafKeys = await generateRsaKeyPair(deps);
    rootPem = await issueRootCertificate(
      { project: PROJECT, validDays: 3650, serial: randomSerial(deps) },
      rootKeys,
      deps,
    );
    root = parseCertificate(rootPem);
    for (const p of PARTICIPANTS) {
      const pem = await issueLeafCertificate(
        {
          commonName: p.name,
          org: p.org,
          certType: p.certType,
          spkiDer: leafKeys.spkiDer,
          subjectAltNames: p.certType === "server" ? SERVER_SANS : [],
          validDays: 1095,
          serial: randomSerial(deps),
        },
        { certificate: root, privateKey: rootKeys.privateKey },
        deps,
      );
      leaves.set(p.certType, pem);
    }
  });

  it("gives the root its subject, validity from the clock and a self-signature", async () => {
    assert.equal(root.subject.toString(), `CN = ${PROJECT}`);
    assert.deepEqual(root.issuerDer, root.subjectDer);
    assert.deepEqual(root.subjectDer, refRoot.subjectDer);
    assert.equal(root.notBefore.getTime(), NOW.getTime());
    assert.equal(root.notAfter.getTime(), NOW.getTime() + 3650 * DAY);
    assert.equal(root.isCa, true);
    assert.deepEqual(root.spkiDer, rootKeys.spkiDer);
    assert.equal(await verifyCertificateSignature(root, root, deps), true);
  });

  it("truncates the clock to whole seconds", async () => {
    const at = new Date(NOW.getTime() + 999);
    const pem = await issueRootCertificate(
      { project: "p", validDays: 1, serial: randomSerial(deps) },
      rootKeys,
      testDeps(at),
    );
    assert.equal(parseCertificate(pem).notBefore.getTime(), NOW.getTime());
  });

  it("matches the reference root extension by extension, apart from the key identifiers", () => {
    const ours = extensionList(rootPem);
    const theirs = extensionList(hospital("ca", "rootCA.pem"));
    assert.deepEqual(
      ours.map((e) => [e.oid, e.critical]),
      theirs.map((e) => [e.oid, e.critical]),
    );
    assert.deepEqual(ours.slice(2), theirs.slice(2));
    assert.equal(ours[0]!.value, `0414${root.skiHex}`);
    assert.equal(ours[1]!.value, `30168014${root.skiHex}`);
    assert.deepEqual(nameStringTypes(rootPem), [[["utf8"]], [["utf8"]]]);
  });

  it("shows the root as openssl shows the reference root", { skip: noOpenssl }, async () => {
    assert.deepEqual(await opensslSummary(rootPem), await opensslSummary(hospitalText("ca", "rootCA.pem")));
    assert.deepEqual(await opensslSummary(rootPem), [
      "Issuer: CN = hospital_federation",
      "Subject: CN = hospital_federation",
      "X509v3 Subject Key Identifier: <keyid>",
      "X509v3 Authority Key Identifier: <keyid>",
      "X509v3 Basic Constraints critical: CA:TRUE",
      "X509v3 Key Usage critical: Digital Signature, Certificate Sign, CRL Sign",
      "X509v3 Subject Alternative Name: DNS:hospital_federation",
    ]);
  });

  for (const p of PARTICIPANTS) {
    it(`gives the ${p.certType} leaf the reference's extensions and UTF8String names`, () => {
      const pem = leaves.get(p.certType)!;
      const ours = extensionList(pem);
      const theirs = extensionList(hospital(p.name, `${p.name}.crt`));
      assert.deepEqual(
        ours.map((e) => [e.oid, e.critical]),
        theirs.map((e) => [e.oid, e.critical]),
      );
      assert.deepEqual(ours.slice(2), theirs.slice(2));
      const cert = parseCertificate(pem);
      assert.equal(cert.akiKeyIdHex, root.skiHex);
      assert.notEqual(cert.skiHex, root.skiHex);
      assert.deepEqual(nameStringTypes(pem), [[["utf8"], ["utf8"], ["utf8"]], [["utf8"]]]);
      assert.deepEqual(nameStringTypes(pem), nameStringTypes(hospital(p.name, `${p.name}.crt`)));
    });

    it(`gives the ${p.certType} leaf its subject, issuer, key and validity`, async () => {
      const cert = parseCertificate(leaves.get(p.certType)!);
      assert.equal(cert.subject.toString(), `CN = ${p.name}, O = ${p.org}, unstructuredName = ${p.certType}`);
      assert.deepEqual(cert.issuerDer, root.subjectDer);
      assert.deepEqual(cert.spkiDer, leafKeys.spkiDer);
      assert.equal(cert.notBefore.getTime(), NOW.getTime());
      assert.equal(cert.notAfter.getTime(), NOW.getTime() + 1095 * DAY);
      assert.equal(cert.isCa, false);
      assert.equal(await verifyCertificateSignature(cert, root, deps), true);
    });

    it(`has openssl verify the ${p.certType} leaf and show it like the reference`, {
      skip: noOpenssl,
    }, async () => {
      const pem = leaves.get(p.certType)!;
      const purpose = p.certType === "server" ? "sslserver" : "sslclient";
      const run = await opensslVerify(rootPem, pem, purpose);
      assert.equal(run.status, 0, run.stdout + run.stderr);
      assert.equal(run.stdout, "leaf.pem: OK\n");
      assert.deepEqual(
        await opensslSummary(pem),
        await opensslSummary(hospitalText(p.name, `${p.name}.crt`)),
      );
    });
  }

  it("prints the certificates.md §10 vectors for client, lead and server", { skip: noOpenssl }, async () => {
    assert.deepEqual(
      (await opensslSummary(leaves.get("client")!))
        .slice(0, 2)
        .concat((await opensslSummary(leaves.get("client")!)).slice(4)),
      [
        "Issuer: CN = hospital_federation",
        "Subject: CN = hospital-a, O = hospital_alpha, unstructuredName = client",
        "X509v3 Basic Constraints critical: CA:FALSE",
        "X509v3 Key Usage critical: Digital Signature, Key Encipherment",
        "X509v3 Extended Key Usage: TLS Web Client Authentication, TLS Web Server Authentication",
        "X509v3 Subject Alternative Name: DNS:hospital-a",
      ],
    );
    const lead = await opensslSummary(leaves.get("lead")!);
    assert.ok(
      lead.includes("Subject: CN = alice@hospital-alpha.org, O = hospital_alpha, unstructuredName = lead"),
    );
    assert.ok(lead.includes("X509v3 Key Usage critical: Digital Signature, Non Repudiation"));
    assert.ok(lead.includes("X509v3 Extended Key Usage: TLS Web Client Authentication"));
    assert.ok(lead.includes("X509v3 Subject Alternative Name: DNS:alice@hospital-alpha.org"));
    const server = await opensslSummary(leaves.get("server")!);
    assert.ok(
      server.includes(
        "Subject: CN = server1.hospital-central.org, O = hospital_central, unstructuredName = server",
      ),
    );
    assert.ok(
      server.includes(
        "X509v3 Subject Alternative Name: DNS:server1.hospital-central.org, IP Address:10.0.1.50, DNS:fl-server.internal",
      ),
    );
  });

  it("has openssl reject a leaf against another root", { skip: noOpenssl }, async () => {
    const run = await opensslVerify(hospitalText("ca", "rootCA.pem"), leaves.get("client")!);
    assert.notEqual(run.status, 0);
  });

  it("caps the leaf's notAfter at the root's", async () => {
    const pem = await issueLeafCertificate(
      {
        commonName: "site-1",
        org: "o",
        certType: "client",
        spkiDer: leafKeys.spkiDer,
        subjectAltNames: [],
        validDays: 5000,
        serial: randomSerial(deps),
      },
      { certificate: root, privateKey: rootKeys.privateKey },
      deps,
    );
    assert.equal(parseCertificate(pem).notAfter.getTime(), root.notAfter.getTime());
  });

  it("gives a non-server its own DNS name even when SANs are passed, and a server without SANs its CN", async () => {
    const ca = { certificate: root, privateKey: rootKeys.privateKey };
    const base = { org: "o", spkiDer: leafKeys.spkiDer, validDays: 1, serial: randomSerial(deps) };
    const member = await issueLeafCertificate(
      { ...base, commonName: "m@x.org", certType: "member", subjectAltNames: SERVER_SANS },
      ca,
      deps,
    );
    const server = await issueLeafCertificate(
      { ...base, commonName: "fl.example.com", certType: "server", subjectAltNames: [] },
      ca,
      deps,
    );
    assert.equal(extensionList(member).at(-1)!.value, `30098207${Buffer.from("m@x.org").toString("hex")}`);
    assert.equal(
      extensionList(server).at(-1)!.value,
      `3010820e${Buffer.from("fl.example.com").toString("hex")}`,
    );
  });

  it("encodes a serial with leading zero bytes as a minimal positive INTEGER", async () => {
    const serial = hex(`0000${"80"}${"11".repeat(17)}`);
    const pem = await issueRootCertificate({ project: "p", validDays: 1, serial }, rootKeys, deps);
    const cert = parseCertificate(pem);
    assert.equal(cert.serialHex, `0x80${"11".repeat(17)}`);
    const tbs = tlvChildren(cert.tbsDer, readTlv(cert.tbsDer));
    assert.equal(
      Buffer.from(cert.tbsDer.subarray(tbs[1]!.start, tbs[1]!.end)).toString("hex"),
      `021300${"80"}${"11".repeat(17)}`,
    );
  });

  it("writes a notAfter from 2050 on as GeneralizedTime", async () => {
    const pem = await issueRootCertificate(
      { project: "p", validDays: 10_000, serial: randomSerial(deps) },
      rootKeys,
      deps,
    );
    const cert = parseCertificate(pem);
    assert.equal(cert.notAfter.toISOString(), "2054-04-14T15:00:00.000Z");
    const validity = tlvChildren(cert.tbsDer, readTlv(cert.tbsDer))[4]!;
    const [notBefore, notAfter] = tlvChildren(cert.tbsDer, validity);
    assert.equal(notBefore!.tag, 0x17);
    assert.equal(notAfter!.tag, 0x18);
    assert.equal(
      new TextDecoder().decode(cert.tbsDer.subarray(notAfter!.contentStart, notAfter!.end)),
      "20540414150000Z",
    );
  });

  describe("with cert init --org", () => {
    let orgRootPem: string;
    let orgRoot: ParsedCertificate;
    let leafPem: string;
    before(async () => {
      orgRootPem = await issueRootCertificate(
        { project: PROJECT, org: "nvidia", validDays: 3650, serial: randomSerial(deps) },
        rootKeys,
        deps,
      );
      orgRoot = parseCertificate(orgRootPem);
      leafPem = await issueLeafCertificate(
        {
          commonName: "hospital-a",
          org: "hospital_alpha",
          certType: "client",
          spkiDer: leafKeys.spkiDer,
          subjectAltNames: [],
          validDays: 1095,
          serial: randomSerial(deps),
        },
        { certificate: orgRoot, privateKey: rootKeys.privateKey },
        deps,
      );
    });

    it("uses the full subject DN as issuer of the root and of its leaves (certificates.md §9 fix)", () => {
      assert.equal(orgRoot.subject.toString(), `CN = ${PROJECT}, O = nvidia`);
      assert.deepEqual(orgRoot.issuerDer, orgRoot.subjectDer);
      assert.deepEqual(parseCertificate(leafPem).issuerDer, orgRoot.subjectDer);
      assert.deepEqual(nameStringTypes(orgRootPem), [
        [["utf8"], ["utf8"]],
        [["utf8"], ["utf8"]],
      ]);
    });

    it("passes openssl verify with a leaf", { skip: noOpenssl }, async () => {
      const run = await opensslVerify(orgRootPem, leafPem, "sslclient");
      assert.equal(run.status, 0, run.stdout + run.stderr);
      assert.equal(run.stdout, "leaf.pem: OK\n");
    });
  });

  describe("refusing to sign", () => {
    const params = () => ({
      commonName: "site-1",
      org: "o",
      certType: "client" as const,
      spkiDer: leafKeys.spkiDer,
      subjectAltNames: [],
      validDays: 1,
      serial: randomSerial(deps),
    });

    it("refuses when the root has expired", async () => {
      await assert.rejects(
        issueLeafCertificate(
          params(),
          { certificate: root, privateKey: rootKeys.privateKey },
          testDeps(root.notAfter),
        ),
        (e: unknown) =>
          e instanceof CertificateIssueError &&
          e.message === "CA certificate expired at 2036-11-24T15:00:00Z",
      );
    });

    it("refuses an IP entry that is not an IPv4 address", async () => {
      await assert.rejects(
        issueLeafCertificate(
          { ...params(), certType: "server", subjectAltNames: [{ type: "ip", value: "fl.example.com" }] },
          { certificate: root, privateKey: rootKeys.privateKey },
          deps,
        ),
        (e: unknown) =>
          e instanceof CertificateIssueError && e.message === "'fl.example.com' is not an IPv4 address",
      );
    });
  });

  describe("signingCaProblem", () => {
    it("accepts a valid CA at any moment inside its validity", () => {
      assert.equal(signingCaProblem(root, NOW), undefined);
      assert.equal(signingCaProblem(root, new Date(root.notAfter.getTime() - 1000)), undefined);
    });

    it("names each reason as the reference does (validation.md §4.3 row 31)", () => {
      const cases: [ParsedCertificate, Date, string][] = [
        [{ ...root, isCa: undefined }, NOW, "CA certificate is missing BasicConstraints"],
        [parseCertificate(leaves.get("client")!), NOW, "CA certificate is not a CA certificate"],
        [root, new Date(NOW.getTime() - 1000), "CA certificate is not valid until 2026-11-27T15:00:00Z"],
        [root, root.notAfter, "CA certificate expired at 2036-11-24T15:00:00Z"],
      ];
      for (const [ca, now, reason] of cases) assert.equal(signingCaProblem(ca, now), reason);
    });
  });
});

describe("serverSubjectAltNames", () => {
  it("follows the certificates.md §5 example", () => {
    assert.deepEqual(
      serverSubjectAltNames("fl.example.com", [
        "fl.example.com",
        "192.168.1.10",
        "localhost",
        "public.example.com",
      ]),
      [
        { type: "dns", value: "fl.example.com" },
        { type: "ip", value: "192.168.1.10" },
        { type: "dns", value: "localhost" },
        { type: "dns", value: "public.example.com" },
      ],
    );
  });

  it("trims the profile host, drops only entries equal to it and keeps other duplicates", () => {
    assert.deepEqual(serverSubjectAltNames(" a.org ", ["a.org", "b.org", "b.org", "a.org", "A.org"]), [
      { type: "dns", value: "a.org" },
      { type: "dns", value: "b.org" },
      { type: "dns", value: "b.org" },
      { type: "dns", value: "A.org" },
    ]);
    assert.deepEqual(serverSubjectAltNames("10.0.0.1", []), [{ type: "ip", value: "10.0.0.1" }]);
  });

  const cases: [string, "ip" | "dns"][] = [
    ["0.0.0.0", "ip"],
    ["255.255.255.255", "ip"],
    ["10.0.1.50", "ip"],
    ["010.0.1.50", "dns"],
    ["10.0.1.256", "dns"],
    ["10.0.1", "dns"],
    ["10.0.1.50.1", "dns"],
    ["1.2.3.4 ", "dns"],
    ["localhost", "dns"],
  ];
  for (const [host, type] of cases) {
    it(`makes ${JSON.stringify(host)} a ${type} entry`, () => {
      assert.equal(serverSubjectAltNames("x.org", [host])[1]!.type, type);
    });
  }
});
