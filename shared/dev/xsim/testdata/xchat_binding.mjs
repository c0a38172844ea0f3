// X's own JS binding (@xdevplatform/chat-xdk) acting as a brand and a
// customer through the simulator's HTTP endpoints only: it registers keys,
// adds a conversation key, sends both ways, and decrypts and verifies what
// the simulator delivers (GET /sim/deliveries) and serves as history.
// Usage: node xchat_binding.mjs <sim base URL> <brand username> <customer username>
// with XDK_PKG the package's pkg/ directory. Prints one JSON report.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [base, brandName, customerName] = process.argv.slice(2);
const pkg = process.env.XDK_PKG;
const { initSync, Chat } = await import(pathToFileURL(path.join(pkg, 'chat_xdk_wasm.js')).href);
initSync({ module: fs.readFileSync(path.join(pkg, 'chat_xdk_wasm_bg.wasm')) });

const report = { steps: [] };
const step = (name, ok, detail) => report.steps.push({ name, ok: !!ok, detail: detail ?? '' });

async function call(token, method, p, body) {
  const res = await fetch(base + p, {
    method,
    headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json = {};
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, json, text };
}

async function person(username) {
  const cred = await (await fetch(`${base}/sim/users/${username}/credentials`)).json();
  const chat = new Chat();
  const reg = chat.generateKeypairs();
  const pk = reg.publicKey;
  const r = await call(cred.oauth2.access_token, 'POST', `/2/users/${cred.user_id}/public_keys`, {
    public_key: {
      identity_public_key_signature: pk.identityPublicKeySignature,
      public_key: pk.publicKey,
      public_key_fingerprint: pk.publicKeyFingerprint,
      registration_method: pk.registrationMethod,
      signing_public_key: pk.signingPublicKey,
      signing_public_key_signature: pk.signingPublicKeySignature,
    },
    version: reg.version,
    generate_version: reg.generateVersion,
  });
  step(`${username} registers keys`, r.status === 200 && r.json.data?.public_key_version, r.text);
  const version = r.json.data.public_key_version;
  chat.setIdentity(cred.user_id, version);
  chat.setCacheKeys(true);
  return { username, id: cred.user_id, token: cred.oauth2.access_token, chat, version };
}

// signingKeys reads both users' registered keys through X's batch endpoint
// and checks each record's key binding, as a client must.
async function signingKeys(me, ids) {
  const r = await call(me.token, 'GET', `/2/users/public_keys?ids=${ids.join(',')}`);
  const rows = r.json.data ?? [];
  const bound = rows.every((k) => me.chat.verifyKeyBinding(k.public_key, k.signing_public_key, k.identity_public_key_signature));
  step(`${me.username} verifies the key bindings`, r.status === 200 && rows.length >= ids.length && bound, r.text);
  return rows.map((k) => ({
    userId: k.user_id,
    publicKeyVersion: k.public_key_version,
    publicKey: k.signing_public_key,
    identityPublicKey: k.public_key,
    identityPublicKeySignature: k.identity_public_key_signature,
  }));
}

async function deliveries(forUser, eventType, since) {
  const all = (await (await fetch(`${base}/sim/deliveries`)).json()).deliveries;
  return all.filter((d) => d.seq > since && d.for_user_id === forUser && d.body?.data?.event_type === eventType);
}

async function lastSeq() {
  const all = (await (await fetch(`${base}/sim/deliveries`)).json()).deliveries;
  return all.length ? all[all.length - 1].seq : 0;
}

async function waitFor(fn) {
  for (let i = 0; i < 200; i++) {
    const v = await fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  return null;
}

// readDelivery decrypts and verifies a live chat.* payload as X's docs do.
function readDelivery(me, payload, keys, name) {
  try {
    const events = payload.conversation_key_change_event
      ? [payload.conversation_key_change_event, payload.encoded_event]
      : [payload.encoded_event];
    const res = me.chat.decryptEvents(events, keys);
    const msg = res.messages.map((m) => m.event).find((e) => e.type === 'message');
    step(name, msg && msg.verified === true && Object.keys(res.errors).length === 0, JSON.stringify({ errors: res.errors, types: res.messages.map((m) => m.event.type) }));
    return msg;
  } catch (e) {
    step(name, false, String(e));
    return null;
  }
}

try {
  const brand = await person(brandName);
  const customer = await person(customerName);
  const brandKeys = await signingKeys(brand, [brand.id, customer.id]);
  const customerKeys = await signingKeys(customer, [brand.id, customer.id]);

  // The brand starts the conversation: a conversation key, then a message.
  const recipientKeys = (await call(brand.token, 'GET', `/2/users/${customer.id}/public_keys`)).json.data;
  const prepared = brand.chat.prepareConversationKeyChange({
    publicKeys: [
      { userId: brand.id, publicKey: brandKeys.find((k) => k.userId === brand.id).identityPublicKey, keyVersion: brand.version },
      { userId: customer.id, publicKey: recipientKeys[0].public_key, keyVersion: recipientKeys[0].public_key_version },
    ],
  });
  const kr = await call(brand.token, 'POST', `/2/chat/conversations/${customer.id}/keys`, {
    conversation_key_version: prepared.conversationKeyVersion,
    conversation_participant_keys: prepared.participantKeys.map((pk) => ({
      user_id: pk.userId, encrypted_conversation_key: pk.encryptedKey, public_key_version: pk.publicKeyVersion,
    })),
    action_signatures: prepared.actionSignatures.map((s) => ({
      message_id: s.messageId,
      encoded_message_event_detail: s.encodedMessageEventDetail,
      message_event_signature: { signature: s.signature, public_key_version: s.publicKeyVersion, signature_version: s.signatureVersion },
    })),
  });
  step('brand adds the conversation key', kr.status === 200 && kr.json.data?.conversation_id, kr.text);
  const convID = kr.json.data.conversation_id;

  const texts = ['Hello from the brand 👋', 'שלום, مرحبا', 'x'.repeat(10000)];
  for (const text of texts) {
    const since = await lastSeq();
    const payload = brand.chat.encryptMessage({ conversationId: convID, text, conversationKey: prepared.conversationKey, conversationKeyVersion: prepared.conversationKeyVersion });
    const body = { message_id: payload.messageId, encoded_message_create_event: payload.encryptedContent, encoded_message_event_signature: payload.encodedEventSignature };
    const sent = await call(brand.token, 'POST', `/2/chat/conversations/${convID}/messages`, body);
    const retry = await call(brand.token, 'POST', `/2/chat/conversations/${convID}/messages`, body);
    step(`brand sends (${text.length} chars), a retry answers the same`, sent.status === 201 && retry.status === 201 && retry.text === sent.text, sent.text.slice(0, 300));
    const got = await waitFor(async () => (await deliveries(customer.id, 'chat.received', since))[0]);
    const msg = got && readDelivery(customer, got.body.data.payload, customerKeys, `customer decrypts and verifies chat.received (${text.length} chars)`);
    step(`customer reads the brand's text (${text.length} chars)`, msg && msg.content?.text === text && msg.senderId === brand.id, msg ? (msg.content?.text ?? '').slice(0, 80) : '');
    const echo = await waitFor(async () => (await deliveries(brand.id, 'chat.sent', since))[0]);
    const mine = echo && readDelivery(brand, echo.body.data.payload, brandKeys, `brand decrypts and verifies chat.sent (${text.length} chars)`);
    step(`brand reads its own chat.sent (${text.length} chars)`, mine && mine.content?.text === text, '');
    const twice = await deliveries(customer.id, 'chat.received', since);
    step(`one delivery for a retried send (${text.length} chars)`, twice.length === 1, String(twice.length));
  }

  // The customer answers with the key it received (its cache), the brand reads it.
  {
    const since = await lastSeq();
    const text = 'Thanks! My order is 555 🙏';
    const payload = customer.chat.encryptMessage({ conversationId: convID, text });
    const sent = await call(customer.token, 'POST', `/2/chat/conversations/${brand.id}/messages`, {
      message_id: payload.messageId, encoded_message_create_event: payload.encryptedContent, encoded_message_event_signature: payload.encodedEventSignature,
    });
    step('customer answers', sent.status === 201, sent.text.slice(0, 300));
    const got = await waitFor(async () => (await deliveries(brand.id, 'chat.received', since))[0]);
    const msg = got && readDelivery(brand, got.body.data.payload, brandKeys, 'brand decrypts and verifies the customer\'s chat.received');
    step('brand reads the customer\'s text', msg && msg.content?.text === text && msg.senderId === customer.id, msg?.content?.text ?? '');

    // A tampered event is refused, not read.
    const p = got.body.data.payload;
    // Flip one bit of the ciphertext inside the envelope X assembled.
    const bytes = Buffer.from(p.encoded_event, 'base64');
    const at = bytes.indexOf(Buffer.from(payload.encryptedContent, 'base64'));
    step('the envelope holds the posted create event as is', at > 0, String(at));
    bytes[at + 12] ^= 0x01;
    let refused = false;
    try {
      const res = brand.chat.decryptEvents([p.conversation_key_change_event, bytes.toString('base64')], brandKeys);
      refused = !res.messages.some((m) => m.event.type === 'message');
    } catch { refused = true; }
    step('a tampered event is refused', refused, '');
  }

  // History: every message, decrypted and verified from the events endpoint.
  {
    const r = await call(customer.token, 'GET', `/2/chat/conversations/${convID}/events?max_results=100`);
    const events = (r.json.meta?.conversation_key_events ?? []).concat(r.json.data.map((e) => e.encoded_event).reverse());
    const res = customer.chat.decryptEvents(events, customerKeys);
    const msgs = res.messages.map((m) => m.event).filter((e) => e.type === 'message');
    step('history decrypts and verifies', r.status === 200 && msgs.length === texts.length + 1 && msgs.every((m) => m.verified) && Object.keys(res.errors).length === 0,
      JSON.stringify({ n: msgs.length, errors: res.errors }));
  }
} catch (e) {
  step('run', false, String(e && e.stack || e));
}
console.log(JSON.stringify(report));
