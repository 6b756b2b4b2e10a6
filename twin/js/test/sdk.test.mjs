// Run by cmd/twind's TestJSClient against two real twind processes: TWIN_A, TWIN_B (web
// addresses), LINK_A, LINK_B (login links), A_ID, B_ID.
import { test } from "node:test";
import assert from "node:assert/strict";
import { connect, login, chatEvent, contactEvent, ChatState, ContactState, TwinError } from "../dist/index.js";

const env = process.env;
const A = BigInt(env.A_ID), B = BigInt(env.B_ID);

test("two twins become contacts and chat through the SDK", async () => {
  await assert.rejects(connect({ url: env.TWIN_A, session: "forged" }), TwinError);
  const a = await connect({ url: env.TWIN_A, session: await login(env.LINK_A) });
  const b = await connect({ url: env.TWIN_B, session: await login(env.LINK_B) });
  try {
    const invited = b.waitFor((e) => { const c = contactEvent(e); return c && c.twin === A && c.state === ContactState.INVITED_BY ? c : undefined; });
    await a.invite(B, "from the SDK test");
    assert.equal((await invited).note, "from the SDK test");
    const accepted = a.waitFor((e) => { const c = contactEvent(e); return c && c.twin === B && c.state === ContactState.CONTACT ? c : undefined; });
    await b.accept(A);
    await accepted;

    const got = b.waitFor((e) => { const c = chatEvent(e); return c && !c.outgoing && c.text === "hello from node" ? c.text : undefined; });
    const sent = await a.send(B, "hello from node");
    const id = Buffer.from(sent.id.toUint8Array()).toString("hex");
    const delivered = a.waitFor((e) => { const c = chatEvent(e); return c && Buffer.from(c.id.toUint8Array()).toString("hex") === id && c.state === ChatState.DELIVERED ? true : undefined; });
    assert.equal(await got, "hello from node");
    await delivered;
    const h = await b.history(A);
    assert.equal(h[h.length - 1].text, "hello from node");
    assert.ok((await a.ping(B)) > 0);
    await assert.rejects(a.request((q) => (q.findTwin = 424242n)), /not found/);
  } finally {
    a.close();
    b.close();
  }
});
