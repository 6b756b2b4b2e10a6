import { AuditEntry, ChatEntry, Circle, Contact, FileEntry, KycAttestation, Proposal, WsEvent, WsRequest, WsResponse } from "./gen/twin.js";
export * from "./gen/twin.js";
/** An error the twin answered with, or a connection failure. */
export declare class TwinError extends Error {
}
/** The smallest part of a WebSocket the client needs; browsers' and the `ws` package's both fit. */
interface Socket {
    binaryType: string;
    readyState: number;
    send(data: ArrayBuffer): void;
    close(code?: number, reason?: string): void;
    onopen: ((ev: unknown) => void) | null;
    onclose: ((ev: {
        reason?: string;
    }) => void) | null;
    onerror: ((ev: unknown) => void) | null;
    onmessage: ((ev: {
        data: unknown;
    }) => void) | null;
}
/** Options of connect. */
export interface ConnectOptions {
    /** The twin's web address, e.g. http://127.0.0.1:9700. */
    url: string;
    /** The session cookie from login, as `twin_session_<id>=…` (Node); a browser sends its own cookie. */
    session?: string;
    /** How long a request may wait for its response (default 30 s). */
    timeoutMs?: number;
}
/**
 * Redeems a one-time login link (printed by twind or `twind login-link`) and returns the session
 * cookie (`twin_session_<twin id>=…`, named per twin) to pass to connect. For Node; in a browser,
 * open the link instead.
 */
export declare function login(link: string): Promise<string>;
/** Opens the websocket of a twin. */
export declare function connect(opts: ConnectOptions): Promise<TwinClient>;
/** A file's SHA-256: 64 hex digits or 32 bytes. */
export type SHA256 = string | Uint8Array;
/** Who may download a shared file: twins, and circles (their members when they ask). */
export interface Access {
    twins?: bigint[];
    circles?: string[];
}
/** The SHA-256 of a file entry in hex. */
export declare function shaHex(f: FileEntry): string;
/** A connection to a twin. */
export declare class TwinClient {
    private sock;
    private timeoutMs;
    private origin;
    private session?;
    private next;
    private pending;
    private subscribers;
    /** Resolves when the connection closes, with the reason. */
    readonly closed: Promise<string>;
    constructor(sock: Socket, timeoutMs: number, origin?: string, session?: string | undefined);
    private receive;
    /** Sends a request filled in by fill and resolves with its response; an error answer rejects. */
    request(fill: (r: WsRequest) => void, timeoutMs?: number): Promise<WsResponse>;
    /** Calls handler with every event (new chat messages, receipts, contact changes); returns a function to stop. */
    subscribe(handler: (e: WsEvent) => void): () => void;
    /** Resolves with the first event for which match returns a value. */
    waitFor<T>(match: (e: WsEvent) => T | undefined, timeoutMs?: number): Promise<T>;
    /** Sends a chat message to a contact; its later states arrive as chat events. */
    send(twin: bigint, text: string): Promise<ChatEntry>;
    /** Asks another twin to become a contact. */
    invite(twin: bigint, note?: string): Promise<void>;
    /** Accepts an invitation. */
    accept(twin: bigint): Promise<void>;
    /** Lists contacts and invitations. */
    contacts(): Promise<Contact[]>;
    /** Returns up to limit messages with twin older than seq before (0n: the newest), oldest first. */
    history(twin: bigint, before?: bigint, limit?: number): Promise<ChatEntry[]>;
    /** Marks every message from twin read, sending the read receipts. */
    markRead(twin: bigint): Promise<void>;
    /** Measures the round trip to another twin, in milliseconds. */
    ping(twin: bigint): Promise<number>;
    /** Lists the owner's circles with their members. */
    circles(): Promise<Circle[]>;
    /** Creates a circle (on the chain when twind runs with --chain) with its first members. */
    createCircle(name: string, members?: bigint[]): Promise<Circle>;
    /** Deletes a circle; files shared with it are no longer shared with its members. */
    deleteCircle(name: string): Promise<void>;
    /** Puts a twin in a circle. */
    addMember(circle: string, twin: bigint): Promise<Circle>;
    /** Takes a twin out of a circle: it may no longer download what was shared with the circle. */
    removeMember(circle: string, twin: bigint): Promise<Circle>;
    /** Sends text to every member of a circle, one chat message each (all with one id). */
    sendToCircle(circle: string, text: string): Promise<ChatEntry[]>;
    /** Lists the chain's proposals from id `from` on, each with this twin's vote (needs twind --chain). */
    proposals(from?: bigint): Promise<Proposal[]>;
    /**
     * Proposes a change in this twin's name: action 1 sets parameter `param` to `value`, 2 pays
     * `value` from the treasury to `account`, 3 and 4 add or remove KYC provider `account` (3 with
     * label `param`), 5 revokes the attestation `account` made for twin `target`.
     */
    propose(title: string, change: {
        action: number;
        param?: string;
        value?: bigint;
        account?: Uint8Array;
        target?: bigint;
    }): Promise<Proposal>;
    /** Casts this twin's one vote on a proposal (1 yes, 2 no, 3 abstain) and resolves with its tally. */
    vote(proposal: bigint, choice: 1 | 2 | 3): Promise<Proposal>;
    /** Lists this twin's KYC attestations (valid, expired or revoked), as the chain proves them. */
    kyc(): Promise<KycAttestation[]>;
    /** Reads this twin's audit log on the chain, newest first: up to limit events before sequence before (0n: the newest). */
    audit(before?: bigint, limit?: number): Promise<AuditEntry[]>;
    /** Lists the files this twin shares or was offered. */
    files(): Promise<FileEntry[]>;
    /**
     * Shares data as a file named name with twins and circles, who are offered it, and resolves with
     * its SHA-256 in hex. In a browser the page's own cookie and Origin go with it.
     */
    upload(name: string, data: Uint8Array | ArrayBuffer | Blob, to?: Access): Promise<string>;
    /** Returns a shared file's entry with its access list. */
    accessList(sha: SHA256): Promise<FileEntry>;
    /** Lets more twins and circles download a shared file, and offers it to them. */
    shareFile(sha: SHA256, to: Access): Promise<FileEntry>;
    /** Replaces a shared file's access list: whoever is left out is refused from now on. */
    replaceAccess(sha: SHA256, to: Access): Promise<FileEntry>;
    /** Downloads (or resumes) a file twin from offered; progress arrives as file events. */
    download(from: bigint, sha: SHA256, timeoutMs?: number): Promise<void>;
    /** Whether the connection is open. */
    get open(): boolean;
    /** Closes the connection. */
    close(): void;
}
/** The chat entry of an event, if it is one. */
export declare function chatEvent(e: WsEvent): ChatEntry | undefined;
/** The contact of an event, if it is one. */
export declare function contactEvent(e: WsEvent): Contact | undefined;
/** The file entry of an event (offered, progressing, complete, access changed), if it is one. */
export declare function fileEvent(e: WsEvent): FileEntry | undefined;
/** The circle of an event (created or changed), if it is one. */
export declare function circleEvent(e: WsEvent): Circle | undefined;
