/**
 * A Python `float` read from YAML or JSON. JavaScript has one number type, so `8002.0` and
 * `8002` would both become the integer 8002; wrapping floats keeps them apart, and an
 * integer check (`typeof v === "number" && Number.isInteger(v)`) rejects a float port the
 * way the reference does (validation.md §1 "Ports"). Integers stay plain `number`s.
 */
export class PyFloat {
  /** @param value the IEEE-754 value (may be NaN, ±Infinity or -0). */
  constructor(readonly value: number) {}

  /** The bare number, so `JSON.stringify` prints a float like any other number. */
  toJSON(): number {
    return this.value;
  }
}

/**
 * Python's `repr()` of a float: the shortest digits that round-trip, in fixed notation when
 * the decimal exponent is in -4..15 (always with a `.`), otherwise `d[.ddd]e±XX` (at least two
 * exponent digits). Non-finite values give `nan`, `inf`, `-inf`. Examples: `1.0`, `0.0001`,
 * `1e-05`, `1e+16`, `-0.0`, `1.5e+300`.
 */
export function pythonFloatRepr(value: number): string {
  if (Number.isNaN(value)) return "nan";
  if (value === Number.POSITIVE_INFINITY) return "inf";
  if (value === Number.NEGATIVE_INFINITY) return "-inf";
  const sign = value < 0 || Object.is(value, -0) ? "-" : "";
  // toExponential() without an argument gives the shortest round-trip digits, as Python does.
  const [mantissa = "0", exp = "0"] = Math.abs(value).toExponential().split("e");
  const digits = mantissa.replace(".", "");
  const exponent = Number(exp);
  if (exponent < -4 || exponent >= 16) {
    const head = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const absExp = String(Math.abs(exponent)).padStart(2, "0");
    return `${sign}${head}e${exponent < 0 ? "-" : "+"}${absExp}`;
  }
  if (exponent < 0) return `${sign}0.${"0".repeat(-exponent - 1)}${digits}`;
  const intPart = digits.slice(0, exponent + 1).padEnd(exponent + 1, "0");
  const fracPart = digits.slice(exponent + 1) || "0";
  return `${sign}${intPart}.${fracPart}`;
}
