// The twin's owner websocket: binary Cap'n Proto WsFrame messages. Requests carry an id the
// response echoes; events arrive with id 0.
import { Message } from "capnp-es";
import { WsEvent, WsFrame, WsRequest, WsResponse, WsResponse_Which } from "./gen/twin.js";

export type EventHandler = (e: WsEvent) => void;

export class TwinError extends Error {}

export class Api {
  private ws: WebSocket | null = null;
  private next = 1n;
  private pending = new Map<bigint, { ok: (r: WsResponse) => void; fail: (e: Error) => void }>();
  onEvent: EventHandler = () => {};
  onOpen: () => void = () => {};
  onClose: (why: string) => void = () => {};

  connect(): void {
    const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws";
    const ws = new WebSocket(url);
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    ws.onopen = () => this.onOpen();
    ws.onclose = (ev) => {
      this.ws = null;
      for (const p of this.pending.values()) p.fail(new TwinError("connection closed"));
      this.pending.clear();
      this.onClose(ev.reason || "connection closed");
    };
    ws.onmessage = (ev) => {
      if (!(ev.data instanceof ArrayBuffer)) return;
      let f: WsFrame;
      try {
        f = new Message(ev.data, false).getRoot(WsFrame);
      } catch {
        ws.close(1003, "malformed frame");
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
        this.onEvent(f.event);
      }
    };
  }

  get open(): boolean {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  call(fill: (r: WsRequest) => void, timeoutMs = 30000): Promise<WsResponse> {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return Promise.reject(new TwinError("not connected to your twin"));
    const id = this.next++;
    const m = new Message();
    const f = m.initRoot(WsFrame);
    f.id = id;
    fill(f._initRequest());
    ws.send(m.toArrayBuffer());
    return new Promise((ok, fail) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        fail(new TwinError("your twin did not answer in time"));
      }, timeoutMs);
      this.pending.set(id, {
        ok: (r) => { clearTimeout(timer); ok(r); },
        fail: (e) => { clearTimeout(timer); fail(e); },
      });
    });
  }
}
