import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeUtf8Name, OID, parseName, SubjectAttrs } from "./names.ts";

const attrs = (...pairs: [string, string][]) =>
  new SubjectAttrs(pairs.map(([oid, value]) => ({ oid, value })));

describe("SubjectAttrs", () => {
  it("returns the first CN, O and unstructuredName", () => {
    const s = attrs(
      [OID.unstructuredName, "lead"],
      [OID.commonName, "a"],
      [OID.commonName, "b"],
      [OID.organizationName, "o"],
    );
    assert.equal(s.commonName, "a");
    assert.equal(s.organization, "o");
    assert.equal(s.unstructuredName, "lead");
    assert.deepEqual(s.all(OID.commonName), ["a", "b"]);
    assert.equal(attrs().commonName, undefined);
  });

  it("reports duplicated CN/O/C/ST/L in the order the repeats occur, ignoring other attributes", () => {
    const s = attrs(
      [OID.organizationName, "x"],
      [OID.commonName, "a"],
      [OID.unstructuredName, "client"],
      [OID.unstructuredName, "lead"],
      [OID.localityName, "l"],
      [OID.commonName, "b"],
      [OID.organizationName, "y"],
      [OID.commonName, "c"],
      [OID.localityName, "m"],
    );
    assert.deepEqual(s.duplicated(), ["commonName", "organizationName", "localityName"]);
    assert.deepEqual(attrs([OID.commonName, "a"], [OID.organizationName, "o"]).duplicated(), []);
  });

  it("prints like openssl", () => {
    assert.equal(
      attrs(
        [OID.commonName, "a"],
        [OID.organizationName, "o"],
        [OID.unstructuredName, "client"],
        ["1.2.3", "z"],
      ).toString(),
      "CN = a, O = o, unstructuredName = client, 1.2.3 = z",
    );
  });
});

describe("encodeUtf8Name and parseName", () => {
  it("encode one UTF8String attribute per RDN and read them back", () => {
    const der = encodeUtf8Name([
      { oid: OID.commonName, value: "hospital-a" },
      { oid: OID.organizationName, value: "hôpital" },
    ]);
    assert.equal(
      Buffer.from(der).toString("hex"),
      `30283113301106035504030c0a${Buffer.from("hospital-a").toString("hex")}3111300f060355040a0c08${Buffer.from("hôpital").toString("hex")}`,
    );
    assert.deepEqual(parseName(der).attributes, [
      { oid: OID.commonName, value: "hospital-a" },
      { oid: OID.organizationName, value: "hôpital" },
    ]);
  });

  it("decodes PrintableString and IA5String values, and shows other types as hex", () => {
    // One CN RDN per value: PrintableString "A", IA5String "B", INTEGER 5.
    const rdn = (valueHex: string) => {
      const atv = Buffer.concat([Buffer.from("0603550403", "hex"), Buffer.from(valueHex, "hex")]);
      return Buffer.concat([Buffer.from([0x31, atv.length + 2, 0x30, atv.length]), atv]);
    };
    const body = Buffer.concat([rdn("130141"), rdn("160142"), rdn("020105")]);
    const der = Buffer.concat([Buffer.from([0x30, body.length]), body]);
    assert.deepEqual(
      parseName(der).attributes.map((a) => a.value),
      ["A", "B", "#020105"],
    );
  });
});
