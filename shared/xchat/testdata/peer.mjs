// peer.mjs: X's own JavaScript binding of the X Chat engine (chat-xdk's
// wasm-bindgen glue, from node_modules) driven over JSON lines, for the Go
// host's differential test (diff_test.go).
//
//   node peer.mjs <glue.js> <module.wasm>
//
// Each stdin line is a request {id, op, chat, ...}; each stdout line answers
// it: {id, ok: true, result} or {id, ok: false, error: <the engine's
// message>}. Byte arrays cross as standard base64 strings. Chats are named
// by the test and created on first use.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

const [gluePath, wasmPath] = process.argv.slice(2);
const { initSync, Chat } = await import(pathToFileURL(gluePath).href);
initSync({ module: readFileSync(wasmPath) });

const chats = new Map();
const chat = (name) => {
  if (!chats.has(name)) chats.set(name, new Chat());
  return chats.get(name);
};

const bytes = (b64) => new Uint8Array(Buffer.from(b64, 'base64'));
const keyMap = (m) => Object.fromEntries(Object.entries(m ?? {}).map(([v, k]) => [v, bytes(k)]));
const out = (_, v) => {
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof Map) return Object.fromEntries(v);
  return v;
};

const ops = {
  generateKeypairs: (c) => c.generateKeypairs(),
  exportKeys: (c) => c.exportKeys(),
  importKeys: (c, r) => c.importKeys(bytes(r.blob), r.version),
  setIdentity: (c, r) => c.setIdentity(r.userId, r.version),
  verifyKeyBinding: (c, r) => c.verifyKeyBinding(r.identity, r.signing, r.signature),
  prepareConversationKeyChange: (c, r) => c.prepareConversationKeyChange(r.params),
  encryptMessage: (c, r) => c.encryptMessage({ ...r.params, conversationKey: bytes(r.params.conversationKey) }),
  extractConversationKeys: (c, r) => c.extractConversationKeys(r.events),
  decryptEvent: (c, r) => c.decryptEvent(r.event, keyMap(r.keys), r.signingKeys),
  decryptEvents: (c, r) => c.decryptEvents(r.events, r.signingKeys),
};

const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of rl) {
  if (!line) continue;
  const req = JSON.parse(line);
  let res;
  try {
    const op = ops[req.op];
    if (!op) throw new Error(`unknown op ${req.op}`);
    const result = op(chat(req.chat), req);
    res = { id: req.id, ok: true, result: result === undefined ? null : result };
  } catch (e) {
    res = { id: req.id, ok: false, error: e instanceof Error ? e.message : String(e) };
  }
  process.stdout.write(JSON.stringify(res, out) + '\n');
}
