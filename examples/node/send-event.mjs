#!/usr/bin/env node
// Sign one event as the hub expects (RFC 9421 with Ed25519, RFC 9530 Content-Digest), send it,
// and check the hub's receipt (a compact JWS over the RFC 8785 canonical JSON of digests).
// Node 20 or later, no dependencies.
//
//   node examples/node/send-event.mjs --url http://127.0.0.1:8080 --kid hz-2026 \
//       --key keys/hz-2026.pem examples/node/note.json
//
// An event file without event_id or occurred_at gets a fresh UUID and the current time.
// Before sending, the signer is checked against examples/signing/vectors.json.

import { createHash, createPrivateKey, createPublicKey, randomBytes, randomUUID, sign, verify } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const HERE = dirname(fileURLToPath(import.meta.url));

// RFC 9530: the SHA-256 of the exact body bytes, as a structured-field byte sequence.
export function contentDigest(body) {
  return `sha-256=:${createHash("sha256").update(body).digest("base64")}:`;
}

// RFC 9421 section 2.5: one line per covered component, then "@signature-params".
export function signatureBase({ method, url, contentDigest: digest, params }) {
  const target = new URL(url);
  const components = [
    ["@method", method.toUpperCase()],
    ["@authority", target.host],
    ["@path", target.pathname],
  ];
  if (target.search) components.push(["@query", target.search]);
  if (digest) components.push(["content-digest", digest]);
  const names = components.map(([name]) => `"${name}"`).join(" ");
  const signatureParams =
    `(${names});created=${params.created};keyid="${params.keyid}";` +
    `nonce="${params.nonce}";alg="ed25519"`;
  const lines = components.map(([name, value]) => `"${name}": ${value}`);
  lines.push(`"@signature-params": ${signatureParams}`);
  return { base: lines.join("\n"), signatureParams };
}

// The headers that sign a request: Content-Digest (with a body), Signature-Input, Signature.
export function signRequest({ method, url, body, privateKey, kid, created, nonce }) {
  const headers = {};
  const digest = body === undefined || body === null ? null : contentDigest(Buffer.from(body, "utf8"));
  if (digest) headers["Content-Digest"] = digest;
  const params = {
    created: created ?? Math.floor(Date.now() / 1000),
    keyid: kid,
    // 128 random bits: the hub refuses a nonce it saw in the last 600 s.
    nonce: nonce ?? randomBytes(16).toString("base64url"),
  };
  const { base, signatureParams } = signatureBase({ method, url, contentDigest: digest, params });
  const signature = sign(null, Buffer.from(base, "ascii"), privateKey).toString("base64");
  headers["Signature-Input"] = `sig1=${signatureParams}`;
  headers["Signature"] = `sig1=:${signature}:`;
  return { headers, base };
}

// RFC 8785 for the hub's profile: strings, integers, booleans, null, arrays, objects.
export function canonicalJson(value) {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export function checkVectors() {
  const doc = JSON.parse(readFileSync(join(HERE, "..", "signing", "vectors.json"), "utf8"));
  const privateKey = createPrivateKey({
    key: { kty: "OKP", crv: "Ed25519", d: doc.key.private_seed_base64url, x: doc.key.public_jwk.x },
    format: "jwk",
  });
  for (const v of doc.vectors) {
    const { headers, base } = signRequest({
      method: v.method, url: v.url, body: v.body, privateKey,
      kid: doc.key.kid, created: v.created, nonce: v.nonce,
    });
    const got = {
      content_digest: headers["Content-Digest"] ?? null,
      signature_base: base,
      signature_input: headers["Signature-Input"],
      signature: headers["Signature"],
    };
    for (const [name, want] of Object.entries(v.expected)) {
      if (got[name] !== want) throw new Error(`vector ${v.name}: ${name} is ${got[name]}, want ${want}`);
    }
  }
  return doc.vectors.length;
}

function fromBase64url(text) {
  return Buffer.from(text, "base64url");
}

// A receipt verifies against the hub's JWKS and names exactly the event that was sent.
async function checkReceipt(baseUrl, receipt, event) {
  const [header64, payload64, signature64] = receipt.split(".");
  const header = JSON.parse(fromBase64url(header64));
  const jwks = await (await fetch(`${baseUrl}/.well-known/jwks.json`)).json();
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  if (!jwk) throw new Error(`the receipt's kid ${header.kid} is not in the hub's JWKS`);
  const publicKey = createPublicKey({ key: jwk, format: "jwk" });
  const signed = Buffer.from(`${header64}.${payload64}`, "ascii");
  if (!verify(null, signed, publicKey, fromBase64url(signature64))) {
    throw new Error("the receipt's signature does not verify");
  }
  const payload = JSON.parse(fromBase64url(payload64));
  const eventSha256 = createHash("sha256").update(canonicalJson(event), "utf8").digest("hex");
  if (payload.event_sha256 !== eventSha256 || payload.event_id !== event.event_id) {
    throw new Error("the receipt does not name the event sent");
  }
  return payload;
}

function hangzhouNow() {
  const local = new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 19);
  return `${local}+08:00`;
}

async function main() {
  const { values, positionals } = parseArgs({
    options: { url: { type: "string" }, kid: { type: "string" }, key: { type: "string" } },
    allowPositionals: true,
  });
  if (!values.url || !values.kid || !values.key || positionals.length !== 1) {
    console.error("usage: send-event.mjs --url URL --kid KID --key KEY.pem EVENT.json");
    process.exit(2);
  }
  console.error(`signer matches ${checkVectors()} test vectors`);
  const event = JSON.parse(readFileSync(positionals[0], "utf8"));
  event.event_id ??= randomUUID();
  event.occurred_at ??= hangzhouNow();
  const body = JSON.stringify(event);
  const baseUrl = values.url.replace(/\/$/, "");
  const url = `${baseUrl}/v1/events`;
  const privateKey = createPrivateKey(readFileSync(values.key));
  const { headers } = signRequest({ method: "POST", url, body, privateKey, kid: values.kid });
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body,
  });
  const answer = await response.json();
  if (!response.ok) {
    console.error(`complaint-hub: ${response.status} ${answer.type}: ${answer.detail}`);
    process.exit(1);
  }
  const payload = await checkReceipt(baseUrl, answer.receipt, event);
  console.log(JSON.stringify({ status: response.status, receipt_payload: payload }, null, 2));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(`send-event: ${err.message}`);
    process.exit(1);
  });
}
