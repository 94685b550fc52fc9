// Test-only preload (`--import`): every WebCrypto SHA-256 digest throws a TypeError, standing in
// for a programming error deep inside a command, to check that the CLI reports an unexpected
// failure as one INTERNAL_ERROR line (exit 5) and never as a stack trace.
const subtle = globalThis.crypto.subtle;
subtle.digest = async () => {
  throw new TypeError("injected bug: digest is broken\n    at fake (frame.js:1:1)");
};
