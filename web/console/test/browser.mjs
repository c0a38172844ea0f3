// The agent console's browser test: it walks the seed against a running
// local run with Debian's Chromium driven by playwright-core, runs axe-core
// on every screen and saves a screenshot of each. Started by the Go test
// next to it (console_test.go), which starts the local run and passes:
//
//   BASE_URL     the local run (console at /, API, webhook)
//   SIM_URL      the X simulator
//   CHROMIUM     the browser binary
//   SCREENSHOTS  the folder for the screenshots
//   AXE          axe-core's axe.min.js
//
// It prints one line per step and exits non-zero at the first failure.

import { chromium } from 'playwright-core';
import { createHmac } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const { BASE_URL, SIM_URL, CHROMIUM, SCREENSHOTS, AXE } = process.env;
const CONSUMER_SECRET = process.env.CONSUMER_SECRET || 'local-consumer-secret'; // shared/dev/sample's
const STEP_MS = 15_000;

function fail(msg) {
  throw new Error(msg);
}

async function step(name, fn) {
  const t0 = Date.now();
  await fn();
  console.log(`ok   ${name} (${Date.now() - t0} ms)`);
}

async function sim(method, path, body) {
  const res = await fetch(SIM_URL + path, {
    method, headers: { 'Content-Type': 'application/json' }, body: body && JSON.stringify(body),
  });
  if (!res.ok) fail(`simulator ${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json().catch(() => ({}));
}

/** check runs axe on the page and fails on serious or critical violations. */
async function check(page, screen) {
  await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }));
  });
  const bad = result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  for (const v of result) console.log(`     axe ${screen}: ${v.impact} ${v.id}: ${v.help} at ${v.nodes.join(', ')}`);
  if (bad.length) fail(`axe found ${bad.length} serious or critical violations on the ${screen} screen`);
  await page.screenshot({ path: join(SCREENSHOTS, `${screen}.png`), fullPage: true });
}

async function pressed(locator) {
  return locator.getAttribute('aria-pressed');
}

async function waitPressed(locator, want, ms = STEP_MS) {
  const deadline = Date.now() + ms;
  for (;;) {
    if ((await pressed(locator)) === want) return;
    if (Date.now() > deadline) fail(`aria-pressed stayed ${await pressed(locator)}, want ${want}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * deliver posts an Account Activity payload to the webhook signed as X
 * signs it: what a customer controls (a Tweet's text and what its links
 * expand to) arrives this way, whatever the simulator would write.
 */
async function deliver(payload) {
  const body = JSON.stringify(payload);
  const sig = 'sha256=' + createHmac('sha256', CONSUMER_SECRET).update(body).digest('base64');
  const res = await fetch(BASE_URL + '/webhooks/twitter', {
    method: 'POST', headers: { 'Content-Type': 'application/json', 'x-twitter-webhooks-signature': sig }, body,
  });
  if (!res.ok) fail(`webhook: ${res.status} ${await res.text()}`);
}

/** xTime is t as v1.1 payloads write created_at ("Wed Nov 25 10:00:00 +0000 2026"). */
function xTime(t) {
  const [wd, d, mon, y, hms] = t.toUTCString().replace(',', '').split(' ');
  return `${wd} ${mon} ${d} ${hms} +0000 ${y}`;
}

async function main() {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const browser = await chromium.launch({
    executablePath: CHROMIUM, headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(STEP_MS);
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    let replies = 0;
    page.on('request', (r) => { if (r.method() === 'POST' && /\/replies$/.test(r.url())) replies++; });

    await step('the console opens on the inbox', async () => {
      await page.goto(BASE_URL + '/');
      await page.getByRole('heading', { name: 'Inbox' }).waitFor();
      await page.getByText(/No open cases|Open cases/).first().waitFor();
      await check(page, 'inbox');
    });

    await step('a customer without a handle cannot be picked, and says why', async () => {
      await page.getByRole('link', { name: 'New case' }).click();
      await page.getByRole('radio', { name: 'Tweet' }).waitFor();
      await page.getByLabel('Find customer').fill('carol@example.com');
      await page.getByRole('button', { name: 'Search' }).click();
      const carol = page.getByRole('radio', { name: /Carol Offline/ });
      await carol.waitFor();
      if (!(await carol.isDisabled())) fail('Carol, who has no Twitter handle, can be picked');
      await page.getByText(/No Twitter handle/).waitFor();
    });

    await step('find a customer by e-mail and open the composer prefilled', async () => {
      await page.getByLabel('Find customer').fill('alice@example.com');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByRole('radio', { name: /Alice Follower/ }).check();
      await check(page, 'new-case');
      await page.getByRole('button', { name: 'Create case' }).click();
      const text = page.getByLabel('Tweet text');
      if ((await text.inputValue()) !== '@alice_follows ') fail(`the Tweet starts as ${JSON.stringify(await text.inputValue())}`);
      await page.getByLabel('From').selectOption({ label: '@AcmeSupport' });
      await text.pressSequentially('Hello from the browser test');
      await page.getByText('42 / 140').waitFor();
      await check(page, 'composer');
    });

    await step('create the Tweet case and see it turn sent', async () => {
      await page.getByRole('button', { name: 'Send' }).click();
      await page.waitForURL(/#\/cases\//);
      await page.getByText('Hello from the browser test').waitFor();
      await page.locator('.message.out .delivery-sent').first().waitFor();
      await page.getByText('Sent by dev@example.com').first().waitFor();
    });

    await step('Direct message is offered for a follower and only from the handle followed', async () => {
      const mode = page.getByLabel('Reply as');
      await page.getByLabel('From', { exact: true }).selectOption({ label: '@AcmeSupport' });
      await mode.locator('option', { hasText: 'Direct message' }).waitFor({ state: 'attached' });
      await page.getByLabel('From', { exact: true }).selectOption({ label: '@AcmeDeals' });
      await page.getByText('Direct message is not offered').waitFor();
      if (await mode.locator('option', { hasText: 'Direct message' }).count()) fail('Direct message offered from @AcmeDeals, which Alice does not follow');
      await page.getByLabel('From', { exact: true }).selectOption({ label: '@AcmeSupport' });
    });

    await step('a 141-character mention is refused before sending', async () => {
      await page.getByLabel('Reply as').selectOption({ label: 'Mention' });
      const text = '@alice_follows ' + 'a'.repeat(126);
      await page.getByLabel('Reply text').fill(text);
      await page.getByText('141 / 140').waitFor();
      const before = replies;
      await page.getByRole('button', { name: 'Send' }).click();
      await page.getByRole('alert').filter({ hasText: 'Too long: 141 characters' }).first().waitFor();
      if (replies !== before) fail('a reply over the limit was sent to the API');
      await page.getByLabel('Reply text').fill('@alice_follows thanks!');
    });

    let bobCase;
    await step("a simulated customer's Tweet appears in the inbox within 5 seconds", async () => {
      await page.getByRole('link', { name: 'Inbox' }).click();
      await page.getByRole('heading', { name: 'Inbox' }).waitFor();
      await page.locator('table.inbox').waitFor();
      const words = `my parcel ${Date.now()} is late`;
      const t0 = Date.now();
      await sim('POST', '/sim/users/bob_stranger/tweets', { text: `@AcmeSupport ${words}` });
      await page.getByRole('row', { name: new RegExp(words) }).waitFor({ timeout: 5000 });
      console.log(`     the Tweet showed in the inbox after ${Date.now() - t0} ms`);
      await check(page, 'inbox');
      await page.getByRole('row', { name: new RegExp(words) }).getByRole('link', { name: /Bob Stranger/ }).click();
      await page.waitForURL(/#\/cases\//);
      bobCase = page.url();
      await page.getByText(words).waitFor();
    });

    await step('a link the customer made with another scheme than http(s) is text, not a link', async () => {
      // Issue 21 item 11: expanded_url is the customer's; javascript: became <a href>.
      const id = String(1990000000000000000n + BigInt(Date.now()));
      const evil = 'https://t.co/EvilLink01';
      const good = 'https://t.co/GoodLink01';
      const text = `@AcmeSupport ${id} see ${evil} and ${good}`;
      const at = (s) => [text.indexOf(s), text.indexOf(s) + s.length];
      await deliver({
        for_user_id: '1000000000000000001',
        tweet_create_events: [{
          created_at: xTime(new Date()), id_str: id, text,
          user: { id_str: '2000000000000000002', screen_name: 'bob_stranger', name: 'Bob Stranger' },
          entities: {
            urls: [
              { url: evil, expanded_url: 'javascript:alert(document.domain)', display_url: 'javascript:alert(document.…', indices: at(evil) },
              { url: good, expanded_url: 'https://example.com/order/42', display_url: 'example.com/order/42', indices: at(good) },
            ],
            user_mentions: [{ screen_name: 'AcmeSupport', id_str: '1000000000000000001', indices: [0, 12] }],
            hashtags: [],
          },
        }],
      });
      await page.getByRole('link', { name: 'Inbox' }).click();
      await page.getByRole('row', { name: new RegExp(id) }).getByRole('link', { name: /Bob Stranger/ }).click();
      await page.getByText(id).waitFor();
      const msg = page.locator('.message', { hasText: id });
      await msg.getByText('javascript:alert(document.domain)').waitFor();
      const hrefs = await page.locator('a[href]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      const bad = hrefs.filter((h) => !/^(https?:|#)/i.test(h.trim()));
      if (bad.length) fail(`links with other schemes than http(s): ${bad.join(', ')}`);
      const link = msg.getByRole('link', { name: 'example.com/order/42' });
      if ((await link.getAttribute('href')) !== 'https://example.com/order/42') fail('the https link is not a link to where it expands');
      if (await msg.getByRole('link', { name: /javascript/ }).count()) fail('the javascript: URL is a link');
    });

    await step('no Direct message for a customer who follows no brand handle', async () => {
      await page.getByLabel('Reply as').waitFor();
      await page.getByText('Direct message is not offered').waitFor();
      if (await page.getByLabel('Reply as').locator('option', { hasText: 'Direct message' }).count()) fail('Direct message offered to bob_stranger');
    });

    await step('Retweet turns pressed and green, and can be undone', async () => {
      const rt = page.getByRole('button', { name: 'Retweet', exact: true });
      await rt.click();
      await page.getByRole('button', { name: 'Retweet as @AcmeSupport' }).click();
      await waitPressed(rt, 'true');
      const color = await rt.evaluate((el) => getComputedStyle(el).color);
      if (color !== 'rgb(17, 99, 41)') fail(`a pressed Retweet is ${color}, not green`);
      await page.getByText(/Retweeted by @AcmeSupport/).waitFor();
      await check(page, 'case');
      await rt.click();
      await page.getByRole('button', { name: /Undo Retweet/ }).click();
      await waitPressed(rt, 'false');
    });

    await step('an X Chat DM shows decrypted and marked end-to-end encrypted; one whose key is unknown shows waiting', async () => {
      // The simulated customer's own X Chat client encrypts; the inbound
      // worker decrypts and verifies it with the brand handle's keys.
      const words = `encrypted hello ${Date.now()}`;
      await sim('POST', '/sim/users/alice_follows/dms', { to: 'AcmeSupport', text: words });
      await page.getByRole('link', { name: 'Inbox' }).click();
      await page.getByRole('row', { name: new RegExp(words) }).getByRole('link', { name: /Alice Follower/ }).click();
      const msg = page.locator('.message', { hasText: words });
      await msg.waitFor();
      await msg.getByText('End-to-end encrypted').waitFor();
      // A reply in a DM case starts as a Direct Message, not a public mention.
      await page.waitForFunction(() => document.getElementById('reply-mode')?.value === 'dm', null, { timeout: STEP_MS });
      // A customer with X's own JS binding writes twice: the first message
      // is delivered without its conversation key (X never had it), so it
      // waits, shown as such; the second brings the key, and both open.
      const xdk = new URL('../../../node_modules/@xdevplatform/chat-xdk/pkg/', import.meta.url);
      const { initSync, Chat } = await import(new URL('chat_xdk_wasm.js', xdk).href);
      initSync({ module: readFileSync(new URL('chat_xdk_wasm_bg.wasm', xdk)) });
      const username = `erin${Date.now() % 1e9}`;
      await sim('POST', '/sim/users', { username, name: 'Erin Chat' });
      const cred = await (await fetch(`${SIM_URL}/sim/users/${username}/credentials`)).json();
      const x = async (method, p, body) => (await fetch(SIM_URL + p, { method, headers: { Authorization: 'Bearer ' + cred.oauth2.access_token, 'Content-Type': 'application/json' },
        body: body && JSON.stringify(body) })).json();
      const erin = new Chat();
      const reg = erin.generateKeypairs();
      const pk = reg.publicKey;
      const mine = await x('POST', `/2/users/${cred.user_id}/public_keys`, { version: reg.version, generate_version: reg.generateVersion, public_key: {
        public_key: pk.publicKey, signing_public_key: pk.signingPublicKey, identity_public_key_signature: pk.identityPublicKeySignature,
        public_key_fingerprint: pk.publicKeyFingerprint, registration_method: pk.registrationMethod, signing_public_key_signature: pk.signingPublicKeySignature } });
      erin.setIdentity(cred.user_id, mine.data.public_key_version);
      const brand = '1000000000000000001';
      const brandKey = (await x('GET', `/2/users/${brand}/public_keys`)).data[0];
      const prepared = erin.prepareConversationKeyChange({ publicKeys: [
        { userId: cred.user_id, publicKey: pk.publicKey, keyVersion: mine.data.public_key_version },
        { userId: brand, publicKey: brandKey.public_key, keyVersion: brandKey.public_key_version }] });
      // Envelopes as X's backend assembles them (Thrift MessageEvent).
      const str = (id, v) => { const b = Buffer.from(v); const h = Buffer.alloc(7); h[0] = 11; h.writeInt16BE(id, 1); h.writeInt32BE(b.length, 3); return Buffer.concat([h, b]); };
      const raw = (id, b) => { const h = Buffer.alloc(3); h[0] = 12; h.writeInt16BE(id, 1); return Buffer.concat([h, b]); };
      let seq = 0;
      const envelope = (messageID, detail, signature) => Buffer.concat([str(1, String(++seq)), str(2, messageID), str(3, cred.user_id),
        str(4, prepared.conversationId), str(6, String(Date.now())), raw(7, detail), raw(9, signature), Buffer.from([0])]).toString('base64');
      const b64 = (s) => Buffer.from(s, 'base64');
      const message = (text) => {
        const p = erin.encryptMessage({ conversationId: prepared.conversationId, text, conversationKey: prepared.conversationKey, conversationKeyVersion: prepared.conversationKeyVersion });
        return envelope(p.messageId, Buffer.concat([raw(1, b64(p.encryptedContent)), Buffer.from([0])]), b64(p.encodedEventSignature));
      };
      const a = prepared.actionSignatures[0];
      const keyChange = envelope(a.messageId, b64(a.encodedMessageEventDetail),
        Buffer.concat([str(1, a.signature), str(2, a.publicKeyVersion), str(3, a.signatureVersion), Buffer.from([0])]));
      const chatReceived = (encoded, change) => deliver({ data: { event_uuid: String(Date.now()) + seq, event_type: 'chat.received', filter: { user_id: brand }, tag: 'browser-test',
        payload: { conversation_id: prepared.conversationId.replace(':', '-'), sender_id: cred.user_id, encoded_event: encoded,
          conversation_key_version: prepared.conversationKeyVersion, ...(change ? { conversation_key_change_event: change } : {}) } } });
      await chatReceived(message('the first, before its key'));
      await page.getByRole('link', { name: 'Inbox' }).click();
      await page.getByRole('row', { name: /Erin Chat/ }).getByRole('link', { name: /Erin Chat/ }).click();
      await page.getByText('Encrypted message waiting for its key').waitFor();
      await check(page, 'case-x-chat-waiting');
      await chatReceived(message('the second, with the key'), keyChange);
      await page.getByText('the second, with the key').waitFor();
      await page.getByText('the first, before its key').waitFor();
      if (await page.getByText('Encrypted message waiting for its key').count()) fail('a message still waits after its key arrived');
      await check(page, 'case-x-chat');
    });

    await step('add a Twitter handle, follow, then unfollow', async () => {
      await sim('POST', '/sim/users', { username: 'carol_online', name: 'Carol Online' });
      await page.getByRole('link', { name: 'New case' }).click();
      await page.getByLabel('Find customer').fill('carol@example.com');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByRole('link', { name: "customer's details" }).click();
      await page.getByRole('heading', { name: 'Carol Offline' }).waitFor();
      await page.getByLabel('Twitter handle').fill('@carol_online');
      await page.getByRole('button', { name: 'Save handle' }).click();
      const follow = page.getByRole('button', { name: /^Follow .*from @AcmeSupport$/ });
      await follow.waitFor();
      await waitPressed(follow, 'false');
      await follow.click();
      await waitPressed(follow, 'true');
      await page.getByText('asked to follow by dev@example.com').waitFor();
      await check(page, 'customer');
      await follow.click();
      await waitPressed(follow, 'false');
    });

    await step('connect a new brand handle with X (issue 24)', async () => {
      await sim('POST', '/sim/users', { username: 'AcmeNew', name: 'Acme New' });
      await page.getByRole('link', { name: 'Brand handles' }).click();
      await page.getByRole('heading', { name: 'Brand handles' }).waitFor();
      await check(page, 'handles');
      await page.getByRole('button', { name: 'Connect a brand handle with X' }).click();
      // The simulator's consent page, as x.com's.
      await page.getByRole('heading', { name: 'Authorize app' }).waitFor();
      await page.getByLabel('Username').fill('AcmeNew');
      await page.getByRole('button', { name: 'Authorize app' }).click();
      await page.getByText('@AcmeNew is connected.').waitFor();
      const row = page.getByRole('row', { name: /@AcmeNew/ });
      await row.getByText('connected').first().waitFor();
      // Its subscriptions are made on X with its OAuth 2.0 token.
      const deadline = Date.now() + STEP_MS;
      while (!(await row.getByText('active').count())) {
        if (Date.now() > deadline) fail('the connected handle\'s subscriptions never became active');
        await page.reload();
        await page.getByRole('row', { name: /@AcmeNew/ }).waitFor();
      }
      await check(page, 'handles-connected');
    });

    if (errors.length) fail(`the page threw: ${errors.join('; ')}`);
    void bobCase;
  } finally {
    await browser.close();
  }
}

main().then(() => console.log('PASS'), (e) => {
  console.log(`FAIL ${e.message}`);
  process.exitCode = 1;
});
