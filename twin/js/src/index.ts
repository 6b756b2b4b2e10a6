// Client for a Planetary twin's owner websocket. The twin speaks binary Cap'n Proto WsFrame
// messages (rmb/schema/twin.capnp): requests carry an id the response echoes, events have id 0.
import { Message } from "capnp-es";
import {
  ChatEntry, Contact, WsEvent, WsEvent_Which, WsFrame, WsRequest, WsResponse, WsResponse_Which,
} from "./gen/twin.js";

export * from "./gen/twin.js";

/** An error the twin answered with, or a connection failure. */
export class TwinError extends Error {}

/** The smallest part of a WebSocket the client needs; browsers' and the `ws` package's both fit. */
interface Socket {
  binaryType: string;
  readyState: number;
  send(data: ArrayBuffer): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { reason?: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
}

/** Options of connect. */
export interface ConnectOptions {
  /** The twin's web address, e.g. http://127.0.0.1:9700. */
  url: string;
  /** The session cookie value from login (Node); a browser sends its own cookie. */
  session?: string;
  /** How long a request may wait for its response (default 30 s). */
  timeoutMs?: number;
}

/**
 * Redeems a one-time login link (printed by twind or `twind login-link`) and returns the session
 * cookie value to pass to connect. For Node; in a browser, open the link instead.
 */
export async function login(link: string): Promise<string> {
  const r = await fetch(link, { redirect: "manual" });
  if (r.status !== 200) throw new TwinError(`login: ${r.status} ${r.statusText}`);
  for (const c of r.headers.getSetCookie()) {
    const m = /^twin_session=([^;]+)/.exec(c);
    if (m) return m[1];
  }
  throw new TwinError("login: the twin set no session cookie");
}

/** Opens the websocket of a twin. */
export async function connect(opts: ConnectOptions): Promise<TwinClient> {
  const base = new URL(opts.url);
  const wsURL = (base.protocol === "https:" ? "wss://" : "ws://") + base.host + "/ws";
  let sock: Socket;
  const g = globalThis as unknown as { WebSocket?: new (url: string) => Socket; window?: unknown };
  if (g.window !== undefined && g.WebSocket) {
    sock = new g.WebSocket(wsURL);
  } else {
    const { default: WS } = await import("ws");
    const headers: Record<string, string> = {};
    if (opts.session) headers.Cookie = `twin_session=${opts.session}`;
    sock = new WS(wsURL, { headers, origin: base.origin }) as unknown as Socket;
  }
  sock.binaryType = "arraybuffer";
  await new Promise<void>((ok, fail) => {
    sock.onopen = () => ok();
    sock.onerror = (e) => fail(new TwinError(`connect ${wsURL}: ${(e as { message?: string }).message ?? "refused"}`));
  });
  return new TwinClient(sock, opts.timeoutMs ?? 30000);
}

type Pending = { ok: (r: WsResponse) => void; fail: (e: Error) => void };

/** A connection to a twin. */
export class TwinClient {
  private next = 1n;
  private pending = new Map<bigint, Pending>();
  private subscribers = new Set<(e: WsEvent) => void>();
  /** Resolves when the connection closes, with the reason. */
  readonly closed: Promise<string>;

  constructor(private sock: Socket, private timeoutMs: number) {
    let done: (why: string) => void = () => {};
    this.closed = new Promise((ok) => (done = ok));
    sock.onerror = () => {};
    sock.onclose = (ev) => {
      for (const p of this.pending.values()) p.fail(new TwinError("connection closed"));
      this.pending.clear();
      done(ev.reason || "closed");
    };
    sock.onmessage = (ev) => this.receive(ev.data);
  }

  private receive(data: unknown): void {
    let buf: ArrayBuffer;
    if (data instanceof ArrayBuffer) buf = data;
    else if (ArrayBuffer.isView(data)) buf = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
    else return;
    let f: WsFrame;
    try {
      f = new Message(buf, false).getRoot(WsFrame);
    } catch {
      this.sock.close(1003, "malformed frame");
      return;
    }
    if (f._isResponse) {
      const p = this.pending.get(f.id);
      if (!p) return;
      this.pending.delete(f.id);
      const r = f.response;
      if (r.which() === WsResponse_Which.ERROR) p.fail(new TwinError(r.error));
      else p.ok(r);
    } else if (f._isEvent) {
      for (const s of this.subscribers) s(f.event);
    }
  }

  /** Sends a request filled in by fill and resolves with its response; an error answer rejects. */
  request(fill: (r: WsRequest) => void): Promise<WsResponse> {
    if (this.sock.readyState !== 1) return Promise.reject(new TwinError("not connected"));
    const id = this.next++;
    const m = new Message();
    const f = m.initRoot(WsFrame);
    f.id = id;
    fill(f._initRequest());
    this.sock.send(m.toArrayBuffer());
    return new Promise((ok, fail) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        fail(new TwinError("the twin did not answer in time"));
      }, this.timeoutMs);
      this.pending.set(id, {
        ok: (r) => { clearTimeout(timer); ok(r); },
        fail: (e) => { clearTimeout(timer); fail(e); },
      });
    });
  }

  /** Calls handler with every event (new chat messages, receipts, contact changes); returns a function to stop. */
  subscribe(handler: (e: WsEvent) => void): () => void {
    this.subscribers.add(handler);
    return () => this.subscribers.delete(handler);
  }

  /** Resolves with the first event for which match returns a value. */
  waitFor<T>(match: (e: WsEvent) => T | undefined, timeoutMs = this.timeoutMs): Promise<T> {
    return new Promise((ok, fail) => {
      const timer = setTimeout(() => { stop(); fail(new TwinError("no such event in time")); }, timeoutMs);
      const stop = this.subscribe((e) => {
        const v = match(e);
        if (v !== undefined) { clearTimeout(timer); stop(); ok(v); }
      });
    });
  }

  /** Sends a chat message to a contact; its later states arrive as chat events. */
  async send(twin: bigint, text: string): Promise<ChatEntry> {
    const r = await this.request((q) => { const s = q._initSendChat(); s.twin = twin; s.text = text; });
    return r.chat;
  }

  /** Asks another twin to become a contact. */
  async invite(twin: bigint, note = ""): Promise<void> {
    await this.request((q) => { const i = q._initInvite(); i.twin = twin; i.note = note; });
  }

  /** Accepts an invitation. */
  async accept(twin: bigint): Promise<void> {
    await this.request((q) => (q.accept = twin));
  }

  /** Lists contacts and invitations. */
  async contacts(): Promise<Contact[]> {
    const l = (await this.request((q) => (q.contacts = true))).contacts;
    return Array.from({ length: l.length }, (_, i) => l.get(i));
  }

  /** Returns up to limit messages with twin older than seq before (0n: the newest), oldest first. */
  async history(twin: bigint, before = 0n, limit = 50): Promise<ChatEntry[]> {
    const l = (await this.request((q) => { const h = q._initHistory(); h.twin = twin; h.before = before; h.limit = limit; })).history;
    return Array.from({ length: l.length }, (_, i) => l.get(i));
  }

  /** Marks every message from twin read, sending the read receipts. */
  async markRead(twin: bigint): Promise<void> {
    await this.request((q) => (q.markRead = twin));
  }

  /** Measures the round trip to another twin, in milliseconds. */
  async ping(twin: bigint): Promise<number> {
    return Number((await this.request((q) => (q.ping = twin))).rtt) / 1e6;
  }

  /** Closes the connection. */
  close(): void {
    this.sock.close(1000, "");
  }
}

/** The chat entry of an event, if it is one. */
export function chatEvent(e: WsEvent): ChatEntry | undefined {
  return e.which() === WsEvent_Which.CHAT ? e.chat : undefined;
}

/** The contact of an event, if it is one. */
export function contactEvent(e: WsEvent): Contact | undefined {
  return e.which() === WsEvent_Which.CONTACT ? e.contact : undefined;
}
