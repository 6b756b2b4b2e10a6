import * as $ from "capnp-es";
export declare const _capnpFileId = 10574116630522067079n;
export declare class ContactNote extends $.Struct {
    static readonly _capnp: {
        displayName: string;
        id: string;
        size: $.ObjectSize;
    };
    get note(): string;
    set note(value: string);
    toString(): string;
}
export declare class ChatMessage extends $.Struct {
    static readonly _capnp: {
        displayName: string;
        id: string;
        size: $.ObjectSize;
    };
    _adoptId(value: $.Orphan<$.Data>): void;
    _disownId(): $.Orphan<$.Data>;
    /**
  * 16 random bytes chosen by the sender
  *
  */
    get id(): $.Data;
    _hasId(): boolean;
    _initId(length: number): $.Data;
    set id(value: $.Data);
    get text(): string;
    set text(value: string);
    /**
  * unix nanoseconds at the sender
  *
  */
    get sent(): bigint;
    set sent(value: bigint);
    /**
  * the sender's circle the message went to, if it went to one
  *
  */
    get circle(): string;
    set circle(value: string);
    toString(): string;
}
export declare const ChatState: {
    /**
  * stored by the sender, not yet with its PNIC
  *
  */
    readonly PENDING: 0;
    /**
  * durable at the sender's PNIC
  *
  */
    readonly SENT: 1;
    /**
  * the receiving twin stored it
  *
  */
    readonly DELIVERED: 2;
    /**
  * the receiving owner saw it
  *
  */
    readonly READ: 3;
    /**
  * the receiving twin refused it (reason says why)
  *
  */
    readonly REFUSED: 4;
    /**
  * the bus gave up
  *
  */
    readonly FAILED: 5;
};
export type ChatState = (typeof ChatState)[keyof typeof ChatState];
export declare class ChatReceipt extends $.Struct {
    static readonly _capnp: {
        displayName: string;
        id: string;
        size: $.ObjectSize;
    };
    _adoptId(value: $.Orphan<$.Data>): void;
    _disownId(): $.Orphan<$.Data>;
    get id(): $.Data;
    _hasId(): boolean;
    _initId(length: number): $.Data;
    set id(value: $.Data);
    /**
  * delivered, read or refused
  *
  */
    get state(): ChatState;
    set state(value: ChatState);
    get at(): bigint;
    set at(value: bigint);
    get reason(): string;
    set reason(value: string);
    toString(): string;
}
export declare class FileInfo extends $.Struct {
    static readonly _capnp: {
        displayName: string;
        id: string;
        size: $.ObjectSize;
    };
    _adoptSha256(value: $.Orphan<$.Data>): void;
    _disownSha256(): $.Orphan<$.Data>;
    get sha256(): $.Data;
    _hasSha256(): boolean;
    _initSha256(length: number): $.Data;
    set sha256(value: $.Data);
    get name(): string;
    set name(value: string);
    get size(): bigint;
    set size(value: bigint);
    toString(): string;
}
export declare class FileRefusal extends $.Struct {
    static readonly _capnp: {
        displayName: string;
        id: string;
        size: $.ObjectSize;
    };
    _adoptSha256(value: $.Orphan<$.Data>): void;
    _disownSha256(): $.Orphan<$.Data>;
    get sha256(): $.Data;
    _hasSha256(): boolean;
    _initSha256(length: number): $.Data;
    set sha256(value: $.Data);
    get reason(): string;
    set reason(value: string);
    toString(): string;
}
export declare class FileChunkRequest extends $.Struct {
    static readonly _capnp: {
        displayName: string;
        id: string;
        size: $.ObjectSize;
    };
    _adoptSha256(value: $.Orphan<$.Data>): void;
    _disownSha256(): $.Orphan<$.Data>;
    get sha256(): $.Data;
    _hasSha256(): boolean;
    _initSha256(length: number): $.Data;
    set sha256(value: $.Data);
    get offset(): bigint;
    set offset(value: bigint);
    get length(): number;
    set length(value: number);
    /**
  * the requester would take the file from offset on over an overlay stream
  *
  */
    get stream(): boolean;
    set stream(value: boolean);
    toString(): string;
}
export declare class FileStreamTicket extends $.Struct {
    static readonly _capnp: {
        displayName: string;
        id: string;
        size: $.ObjectSize;
    };
    _adoptTicket(value: $.Orphan<$.Data>): void;
    _disownTicket(): $.Orphan<$.Data>;
    /**
  * 32 random bytes
  *
  */
    get ticket(): $.Data;
    _hasTicket(): boolean;
    _initTicket(length: number): $.Data;
    set ticket(value: $.Data);
    get port(): number;
    set port(value: number);
    get offset(): bigint;
    set offset(value: bigint);
    /**
  * of the whole file
  *
  */
    get size(): bigint;
    set size(value: bigint);
    toString(): string;
}
export declare class FileChunk extends $.Struct {
    static readonly _capnp: {
        displayName: string;
        id: string;
        size: $.ObjectSize;
    };
    get offset(): bigint;
    set offset(value: bigint);
    _adoptData(value: $.Orphan<$.Data>): void;
    _disownData(): $.Orphan<$.Data>;
    get data(): $.Data;
    _hasData(): boolean;
    _initData(length: number): $.Data;
    set data(value: $.Data);
    /**
  * of the whole file
  *
  */
    get size(): bigint;
    set size(value: bigint);
    /**
  * why the request was refused; empty when data is set
  *
  */
    get error(): string;
    set error(value: string);
    toString(): string;
}
export declare const ContactState: {
    readonly NONE: 0;
    /**
  * we invited them and wait for their answer
  *
  */
    readonly INVITED: 1;
    /**
  * they invited us
  *
  */
    readonly INVITED_BY: 2;
    readonly CONTACT: 3;
    readonly BLOCKED: 4;
    /**
  * they declined our invitation, or take none from us (note says why)
  *
  */
    readonly DECLINED: 5;
};
export type ContactState = (typeof ContactState)[keyof typeof ContactState];
export declare class Contact extends $.Struct {
    static readonly _capnp: {
        displayName: string;
        id: string;
        size: $.ObjectSize;
    };
    get twin(): bigint;
    set twin(value: bigint);
    get state(): ContactState;
    set state(value: ContactState);
    get note(): string;
    set note(value: string);
    get since(): bigint;
    set since(value: bigint);
    get unread(): number;
    set unread(value: number);
    toString(): string;
}
export declare class ChatEntry extends $.Struct {
    static readonly _capnp: {
        displayName: string;
        id: string;
        size: $.ObjectSize;
    };
    get peer(): bigint;
    set peer(value: bigint);
    /**
  * order in this twin's history
  *
  */
    get seq(): bigint;
    set seq(value: bigint);
    _adoptId(value: $.Orphan<$.Data>): void;
    _disownId(): $.Orphan<$.Data>;
    get id(): $.Data;
    _hasId(): boolean;
    _initId(length: number): $.Data;
    set id(value: $.Data);
    get outgoing(): boolean;
    set outgoing(value: boolean);
    get text(): string;
    set text(value: string);
    get sent(): bigint;
    set sent(value: bigint);
    get state(): ChatState;
    set state(value: ChatState);
    get reason(): string;
    set reason(value: string);
    /**
  * the circle it went to: ours when outgoing, the sender's when incoming
  *
  */
    get circle(): string;
    set circle(value: string);
    toString(): string;
}
export declare class TwinStatus extends $.Struct {
    static readonly _capnp: {
        displayName: string;
        id: string;
        size: $.ObjectSize;
    };
    get twin(): bigint;
    set twin(value: bigint);
    get pnicConnected(): boolean;
    set pnicConnected(value: boolean);
    get address(): string;
    set address(value: string);
    get version(): string;
    set version(value: string);
    get socket(): string;
    set socket(value: string);
    /**
  * file chunks this twin sent other twins since it started
  *
  */
    get chunksServed(): bigint;
    set chunksServed(value: bigint);
    toString(): string;
}
export declare class TwinRecord extends $.Struct {
    static readonly _capnp: {
        displayName: string;
        id: string;
        size: $.ObjectSize;
    };
    get id(): bigint;
    set id(value: bigint);
    _adoptSigningKey(value: $.Orphan<$.Data>): void;
    _disownSigningKey(): $.Orphan<$.Data>;
    get signingKey(): $.Data;
    _hasSigningKey(): boolean;
    _initSigningKey(length: number): $.Data;
    set signingKey(value: $.Data);
    _adoptEncryptionKey(value: $.Orphan<$.Data>): void;
    _disownEncryptionKey(): $.Orphan<$.Data>;
    get encryptionKey(): $.Data;
    _hasEncryptionKey(): boolean;
    _initEncryptionKey(length: number): $.Data;
    set encryptionKey(value: $.Data);
    _adoptPnic(value: $.Orphan<$.Data>): void;
    _disownPnic(): $.Orphan<$.Data>;
    get pnic(): $.Data;
    _hasPnic(): boolean;
    _initPnic(length: number): $.Data;
    set pnic(value: $.Data);
    get location(): string;
    set location(value: string);
    toString(): string;
}
export declare class Session extends $.Struct {
    static readonly _capnp: {
        displayName: string;
        id: string;
        size: $.ObjectSize;
    };
    /**
  * public id, not the cookie
  *
  */
    get id(): string;
    set id(value: string);
    get created(): bigint;
    set created(value: bigint);
    get lastSeen(): bigint;
    set lastSeen(value: bigint);
    get userAgent(): string;
    set userAgent(value: string);
    get current(): boolean;
    set current(value: boolean);
    toString(): string;
}
export declare class Invite extends $.Struct {
    static readonly _capnp: {
        displayName: string;
        id: string;
        size: $.ObjectSize;
    };
    get twin(): bigint;
    set twin(value: bigint);
    get note(): string;
    set note(value: string);
    toString(): string;
}
export declare class SendChat extends $.Struct {
    static readonly _capnp: {
        displayName: string;
        id: string;
        size: $.ObjectSize;
    };
    get twin(): bigint;
    set twin(value: bigint);
    get text(): string;
    set text(value: string);
    toString(): string;
}
export declare class HistoryQuery extends $.Struct {
    static readonly _capnp: {
        displayName: string;
        id: string;
        size: $.ObjectSize;
    };
    get twin(): bigint;
    set twin(value: bigint);
    /**
  * seq to page back from; 0 for the newest
  *
  */
    get before(): bigint;
    set before(value: bigint);
    get limit(): number;
    set limit(value: number);
    toString(): string;
}
export declare class OfferRefusal extends $.Struct {
    static readonly _capnp: {
        displayName: string;
        id: string;
        size: $.ObjectSize;
    };
    get twin(): bigint;
    set twin(value: bigint);
    get reason(): string;
    set reason(value: string);
    get at(): bigint;
    set at(value: bigint);
    toString(): string;
}
export declare class FileEntry extends $.Struct {
    static readonly _capnp: {
        displayName: string;
        id: string;
        size: $.ObjectSize;
    };
    static _Refusals: $.ListCtor<OfferRefusal>;
    _adoptSha256(value: $.Orphan<$.Data>): void;
    _disownSha256(): $.Orphan<$.Data>;
    get sha256(): $.Data;
    _hasSha256(): boolean;
    _initSha256(length: number): $.Data;
    set sha256(value: $.Data);
    get name(): string;
    set name(value: string);
    get size(): bigint;
    set size(value: bigint);
    get from(): bigint;
    set from(value: bigint);
    /**
  * bytes stored here
  *
  */
    get have(): bigint;
    set have(value: bigint);
    _adoptAccess(value: $.Orphan<$.List<bigint>>): void;
    _disownAccess(): $.Orphan<$.List<bigint>>;
    /**
  * twins allowed to download a shared file
  *
  */
    get access(): $.List<bigint>;
    _hasAccess(): boolean;
    _initAccess(length: number): $.List<bigint>;
    set access(value: $.List<bigint>);
    _adoptCircles(value: $.Orphan<$.List<string>>): void;
    _disownCircles(): $.Orphan<$.List<string>>;
    /**
  * circles whose members (as they are when they ask) may download it
  *
  */
    get circles(): $.List<string>;
    _hasCircles(): boolean;
    _initCircles(length: number): $.List<string>;
    set circles(value: $.List<string>);
    _adoptRefusals(value: $.Orphan<$.List<OfferRefusal>>): void;
    _disownRefusals(): $.Orphan<$.List<OfferRefusal>>;
    /**
  * twins that refused the offer of a shared file
  *
  */
    get refusals(): $.List<OfferRefusal>;
    _hasRefusals(): boolean;
    _initRefusals(length: number): $.List<OfferRefusal>;
    set refusals(value: $.List<OfferRefusal>);
    toString(): string;
}
export declare class FileRef extends $.Struct {
    static readonly _capnp: {
        displayName: string;
        id: string;
        size: $.ObjectSize;
    };
    get twin(): bigint;
    set twin(value: bigint);
    _adoptSha256(value: $.Orphan<$.Data>): void;
    _disownSha256(): $.Orphan<$.Data>;
    get sha256(): $.Data;
    _hasSha256(): boolean;
    _initSha256(length: number): $.Data;
    set sha256(value: $.Data);
    toString(): string;
}
export declare class Circle extends $.Struct {
    static readonly _capnp: {
        displayName: string;
        id: string;
        size: $.ObjectSize;
    };
    get name(): string;
    set name(value: string);
    _adoptMembers(value: $.Orphan<$.List<bigint>>): void;
    _disownMembers(): $.Orphan<$.List<bigint>>;
    get members(): $.List<bigint>;
    _hasMembers(): boolean;
    _initMembers(length: number): $.List<bigint>;
    set members(value: $.List<bigint>);
    /**
  * its id on the chain; 0 when it is kept in the twin's circles file
  *
  */
    get chainId(): bigint;
    set chainId(value: bigint);
    toString(): string;
}
export declare class CircleMember extends $.Struct {
    static readonly _capnp: {
        displayName: string;
        id: string;
        size: $.ObjectSize;
    };
    get circle(): string;
    set circle(value: string);
    get twin(): bigint;
    set twin(value: bigint);
    toString(): string;
}
export declare class CircleChat extends $.Struct {
    static readonly _capnp: {
        displayName: string;
        id: string;
        size: $.ObjectSize;
    };
    get circle(): string;
    set circle(value: string);
    get text(): string;
    set text(value: string);
    toString(): string;
}
export declare class FileAccess extends $.Struct {
    static readonly _capnp: {
        displayName: string;
        id: string;
        size: $.ObjectSize;
    };
    _adoptSha256(value: $.Orphan<$.Data>): void;
    _disownSha256(): $.Orphan<$.Data>;
    get sha256(): $.Data;
    _hasSha256(): boolean;
    _initSha256(length: number): $.Data;
    set sha256(value: $.Data);
    _adoptTwins(value: $.Orphan<$.List<bigint>>): void;
    _disownTwins(): $.Orphan<$.List<bigint>>;
    get twins(): $.List<bigint>;
    _hasTwins(): boolean;
    _initTwins(length: number): $.List<bigint>;
    set twins(value: $.List<bigint>);
    _adoptCircles(value: $.Orphan<$.List<string>>): void;
    _disownCircles(): $.Orphan<$.List<string>>;
    get circles(): $.List<string>;
    _hasCircles(): boolean;
    _initCircles(length: number): $.List<string>;
    set circles(value: $.List<string>);
    toString(): string;
}
export declare class Proposal extends $.Struct {
    static readonly _capnp: {
        displayName: string;
        id: string;
        size: $.ObjectSize;
    };
    get id(): bigint;
    set id(value: bigint);
    /**
  * the proposing twin
  *
  */
    get twin(): bigint;
    set twin(value: bigint);
    get title(): string;
    set title(value: string);
    /**
  * 1 set parameter, 2 spend from the treasury, 3 add KYC provider, 4 remove one, 5 revoke a KYC attestation
  *
  */
    get action(): number;
    set action(value: number);
    /**
  * the parameter, or the provider's label
  *
  */
    get param(): string;
    set param(value: string);
    /**
  * the parameter's value, or the amount
  *
  */
    get value(): bigint;
    set value(value: bigint);
    _adoptAccount(value: $.Orphan<$.Data>): void;
    _disownAccount(): $.Orphan<$.Data>;
    /**
  * who is paid, or the provider
  *
  */
    get account(): $.Data;
    _hasAccount(): boolean;
    _initAccount(length: number): $.Data;
    set account(value: $.Data);
    /**
  * the twin whose attestation is revoked
  *
  */
    get target(): bigint;
    set target(value: bigint);
    /**
  * last height that takes votes
  *
  */
    get end(): bigint;
    set end(value: bigint);
    get yes(): bigint;
    set yes(value: bigint);
    get no(): bigint;
    set no(value: bigint);
    get abstain(): bigint;
    set abstain(value: bigint);
    get quorum(): bigint;
    set quorum(value: bigint);
    /**
  * per mille of yes among yes and no to exceed
  *
  */
    get threshold(): bigint;
    set threshold(value: bigint);
    /**
  * open, rejected, executed or failed
  *
  */
    get status(): string;
    set status(value: string);
    /**
  * why it was rejected or failed
  *
  */
    get result(): string;
    set result(value: string);
    /**
  * this twin's vote: 0 none, 1 yes, 2 no, 3 abstain
  *
  */
    get myVote(): number;
    set myVote(value: number);
    toString(): string;
}
export declare class ProposalDraft extends $.Struct {
    static readonly _capnp: {
        displayName: string;
        id: string;
        size: $.ObjectSize;
    };
    get title(): string;
    set title(value: string);
    get action(): number;
    set action(value: number);
    get param(): string;
    set param(value: string);
    get value(): bigint;
    set value(value: bigint);
    _adoptAccount(value: $.Orphan<$.Data>): void;
    _disownAccount(): $.Orphan<$.Data>;
    get account(): $.Data;
    _hasAccount(): boolean;
    _initAccount(length: number): $.Data;
    set account(value: $.Data);
    get target(): bigint;
    set target(value: bigint);
    toString(): string;
}
export declare class CastVote extends $.Struct {
    static readonly _capnp: {
        displayName: string;
        id: string;
        size: $.ObjectSize;
    };
    get proposal(): bigint;
    set proposal(value: bigint);
    /**
  * 1 yes, 2 no, 3 abstain
  *
  */
    get choice(): number;
    set choice(value: number);
    toString(): string;
}
export declare class KycAttestation extends $.Struct {
    static readonly _capnp: {
        displayName: string;
        id: string;
        size: $.ObjectSize;
    };
    _adoptProvider(value: $.Orphan<$.Data>): void;
    _disownProvider(): $.Orphan<$.Data>;
    get provider(): $.Data;
    _hasProvider(): boolean;
    _initProvider(length: number): $.Data;
    set provider(value: $.Data);
    get level(): number;
    set level(value: number);
    get ref(): string;
    set ref(value: string);
    /**
  * unix seconds
  *
  */
    get issued(): bigint;
    set issued(value: bigint);
    /**
  * unix seconds
  *
  */
    get expires(): bigint;
    set expires(value: bigint);
    /**
  * valid, expired or revoked
  *
  */
    get status(): string;
    set status(value: string);
    get note(): string;
    set note(value: string);
    toString(): string;
}
export declare class AuditEntry extends $.Struct {
    static readonly _capnp: {
        displayName: string;
        id: string;
        size: $.ObjectSize;
    };
    get seq(): bigint;
    set seq(value: bigint);
    get height(): bigint;
    set height(value: bigint);
    get kind(): string;
    set kind(value: string);
    get detail(): string;
    set detail(value: string);
    toString(): string;
}
export declare class AuditQuery extends $.Struct {
    static readonly _capnp: {
        displayName: string;
        id: string;
        size: $.ObjectSize;
    };
    /**
  * seq to page back from; 0 for the newest
  *
  */
    get before(): bigint;
    set before(value: bigint);
    get limit(): number;
    set limit(value: number);
    toString(): string;
}
export declare const WsRequest_Which: {
    readonly STATUS: 0;
    readonly PING: 1;
    readonly FIND_TWIN: 2;
    readonly CONTACTS: 3;
    readonly INVITE: 4;
    readonly ACCEPT: 5;
    readonly DECLINE: 6;
    readonly REMOVE: 7;
    readonly BLOCK: 8;
    readonly UNBLOCK: 9;
    readonly SEND_CHAT: 10;
    readonly HISTORY: 11;
    readonly MARK_READ: 12;
    readonly SESSIONS: 13;
    readonly REVOKE_SESSION: 14;
    readonly FILES: 15;
    /**
  * fetch (or resume) a file offered by twin
  *
  */
    readonly DOWNLOAD: 16;
    readonly CIRCLES: 17;
    /**
  * its name and first members (chainId is ignored)
  *
  */
    readonly CREATE_CIRCLE: 18;
    readonly DELETE_CIRCLE: 19;
    readonly ADD_MEMBER: 20;
    readonly REMOVE_MEMBER: 21;
    /**
  * one chat message to each member
  *
  */
    readonly CIRCLE_CHAT: 22;
    /**
  * a shared file's entry, with its access list, by sha256
  *
  */
    readonly ACCESS_LIST: 23;
    /**
  * let more twins and circles download a shared file, and offer it to them
  *
  */
    readonly SHARE_FILE: 24;
    /**
  * replace a shared file's access list: whoever is left out is refused from now on
  *
  */
    readonly REPLACE_ACCESS: 25;
    /**
  * the chain's proposals from this id on
  *
  */
    readonly PROPOSALS: 26;
    /**
  * answered with the new proposal
  *
  */
    readonly PROPOSE: 27;
    /**
  * answered with the proposal and its tally
  *
  */
    readonly VOTE: 28;
    /**
  * this twin's KYC attestations
  *
  */
    readonly KYC: 29;
    /**
  * this twin's audit log, newest first
  *
  */
    readonly AUDIT: 30;
};
export type WsRequest_Which = (typeof WsRequest_Which)[keyof typeof WsRequest_Which];
export declare class WsRequest extends $.Struct {
    static readonly STATUS: 0;
    static readonly PING: 1;
    static readonly FIND_TWIN: 2;
    static readonly CONTACTS: 3;
    static readonly INVITE: 4;
    static readonly ACCEPT: 5;
    static readonly DECLINE: 6;
    static readonly REMOVE: 7;
    static readonly BLOCK: 8;
    static readonly UNBLOCK: 9;
    static readonly SEND_CHAT: 10;
    static readonly HISTORY: 11;
    static readonly MARK_READ: 12;
    static readonly SESSIONS: 13;
    static readonly REVOKE_SESSION: 14;
    static readonly FILES: 15;
    static readonly DOWNLOAD: 16;
    static readonly CIRCLES: 17;
    static readonly CREATE_CIRCLE: 18;
    static readonly DELETE_CIRCLE: 19;
    static readonly ADD_MEMBER: 20;
    static readonly REMOVE_MEMBER: 21;
    static readonly CIRCLE_CHAT: 22;
    static readonly ACCESS_LIST: 23;
    static readonly SHARE_FILE: 24;
    static readonly REPLACE_ACCESS: 25;
    static readonly PROPOSALS: 26;
    static readonly PROPOSE: 27;
    static readonly VOTE: 28;
    static readonly KYC: 29;
    static readonly AUDIT: 30;
    static readonly _capnp: {
        displayName: string;
        id: string;
        size: $.ObjectSize;
    };
    get _isStatus(): boolean;
    set status(_: true);
    get ping(): bigint;
    get _isPing(): boolean;
    set ping(value: bigint);
    get findTwin(): bigint;
    get _isFindTwin(): boolean;
    set findTwin(value: bigint);
    get _isContacts(): boolean;
    set contacts(_: true);
    _adoptInvite(value: $.Orphan<Invite>): void;
    _disownInvite(): $.Orphan<Invite>;
    get invite(): Invite;
    _hasInvite(): boolean;
    _initInvite(): Invite;
    get _isInvite(): boolean;
    set invite(value: Invite);
    get accept(): bigint;
    get _isAccept(): boolean;
    set accept(value: bigint);
    get decline(): bigint;
    get _isDecline(): boolean;
    set decline(value: bigint);
    get remove(): bigint;
    get _isRemove(): boolean;
    set remove(value: bigint);
    get block(): bigint;
    get _isBlock(): boolean;
    set block(value: bigint);
    get unblock(): bigint;
    get _isUnblock(): boolean;
    set unblock(value: bigint);
    _adoptSendChat(value: $.Orphan<SendChat>): void;
    _disownSendChat(): $.Orphan<SendChat>;
    get sendChat(): SendChat;
    _hasSendChat(): boolean;
    _initSendChat(): SendChat;
    get _isSendChat(): boolean;
    set sendChat(value: SendChat);
    _adoptHistory(value: $.Orphan<HistoryQuery>): void;
    _disownHistory(): $.Orphan<HistoryQuery>;
    get history(): HistoryQuery;
    _hasHistory(): boolean;
    _initHistory(): HistoryQuery;
    get _isHistory(): boolean;
    set history(value: HistoryQuery);
    get markRead(): bigint;
    get _isMarkRead(): boolean;
    set markRead(value: bigint);
    get _isSessions(): boolean;
    set sessions(_: true);
    get revokeSession(): string;
    get _isRevokeSession(): boolean;
    set revokeSession(value: string);
    get _isFiles(): boolean;
    set files(_: true);
    _adoptDownload(value: $.Orphan<FileRef>): void;
    _disownDownload(): $.Orphan<FileRef>;
    /**
  * fetch (or resume) a file offered by twin
  *
  */
    get download(): FileRef;
    _hasDownload(): boolean;
    _initDownload(): FileRef;
    get _isDownload(): boolean;
    set download(value: FileRef);
    get _isCircles(): boolean;
    set circles(_: true);
    _adoptCreateCircle(value: $.Orphan<Circle>): void;
    _disownCreateCircle(): $.Orphan<Circle>;
    /**
  * its name and first members (chainId is ignored)
  *
  */
    get createCircle(): Circle;
    _hasCreateCircle(): boolean;
    _initCreateCircle(): Circle;
    get _isCreateCircle(): boolean;
    set createCircle(value: Circle);
    get deleteCircle(): string;
    get _isDeleteCircle(): boolean;
    set deleteCircle(value: string);
    _adoptAddMember(value: $.Orphan<CircleMember>): void;
    _disownAddMember(): $.Orphan<CircleMember>;
    get addMember(): CircleMember;
    _hasAddMember(): boolean;
    _initAddMember(): CircleMember;
    get _isAddMember(): boolean;
    set addMember(value: CircleMember);
    _adoptRemoveMember(value: $.Orphan<CircleMember>): void;
    _disownRemoveMember(): $.Orphan<CircleMember>;
    get removeMember(): CircleMember;
    _hasRemoveMember(): boolean;
    _initRemoveMember(): CircleMember;
    get _isRemoveMember(): boolean;
    set removeMember(value: CircleMember);
    _adoptCircleChat(value: $.Orphan<CircleChat>): void;
    _disownCircleChat(): $.Orphan<CircleChat>;
    /**
  * one chat message to each member
  *
  */
    get circleChat(): CircleChat;
    _hasCircleChat(): boolean;
    _initCircleChat(): CircleChat;
    get _isCircleChat(): boolean;
    set circleChat(value: CircleChat);
    _adoptAccessList(value: $.Orphan<$.Data>): void;
    _disownAccessList(): $.Orphan<$.Data>;
    /**
  * a shared file's entry, with its access list, by sha256
  *
  */
    get accessList(): $.Data;
    _hasAccessList(): boolean;
    _initAccessList(length: number): $.Data;
    get _isAccessList(): boolean;
    set accessList(value: $.Data);
    _adoptShareFile(value: $.Orphan<FileAccess>): void;
    _disownShareFile(): $.Orphan<FileAccess>;
    /**
  * let more twins and circles download a shared file, and offer it to them
  *
  */
    get shareFile(): FileAccess;
    _hasShareFile(): boolean;
    _initShareFile(): FileAccess;
    get _isShareFile(): boolean;
    set shareFile(value: FileAccess);
    _adoptReplaceAccess(value: $.Orphan<FileAccess>): void;
    _disownReplaceAccess(): $.Orphan<FileAccess>;
    /**
  * replace a shared file's access list: whoever is left out is refused from now on
  *
  */
    get replaceAccess(): FileAccess;
    _hasReplaceAccess(): boolean;
    _initReplaceAccess(): FileAccess;
    get _isReplaceAccess(): boolean;
    set replaceAccess(value: FileAccess);
    /**
  * the chain's proposals from this id on
  *
  */
    get proposals(): bigint;
    get _isProposals(): boolean;
    set proposals(value: bigint);
    _adoptPropose(value: $.Orphan<ProposalDraft>): void;
    _disownPropose(): $.Orphan<ProposalDraft>;
    /**
  * answered with the new proposal
  *
  */
    get propose(): ProposalDraft;
    _hasPropose(): boolean;
    _initPropose(): ProposalDraft;
    get _isPropose(): boolean;
    set propose(value: ProposalDraft);
    _adoptVote(value: $.Orphan<CastVote>): void;
    _disownVote(): $.Orphan<CastVote>;
    /**
  * answered with the proposal and its tally
  *
  */
    get vote(): CastVote;
    _hasVote(): boolean;
    _initVote(): CastVote;
    get _isVote(): boolean;
    set vote(value: CastVote);
    get _isKyc(): boolean;
    set kyc(_: true);
    _adoptAudit(value: $.Orphan<AuditQuery>): void;
    _disownAudit(): $.Orphan<AuditQuery>;
    /**
  * this twin's audit log, newest first
  *
  */
    get audit(): AuditQuery;
    _hasAudit(): boolean;
    _initAudit(): AuditQuery;
    get _isAudit(): boolean;
    set audit(value: AuditQuery);
    toString(): string;
    which(): WsRequest_Which;
}
export declare const WsResponse_Which: {
    readonly OK: 0;
    readonly ERROR: 1;
    readonly STATUS: 2;
    /**
  * nanoseconds
  *
  */
    readonly RTT: 3;
    readonly TWIN: 4;
    readonly CONTACTS: 5;
    readonly CHAT: 6;
    readonly HISTORY: 7;
    readonly SESSIONS: 8;
    readonly FILES: 9;
    readonly CIRCLES: 10;
    readonly CIRCLE: 11;
    readonly FILE: 12;
    /**
  * a circle chat: the message to each member
  *
  */
    readonly CHATS: 13;
    readonly PROPOSALS: 14;
    readonly PROPOSAL: 15;
    readonly KYC: 16;
    readonly AUDIT: 17;
};
export type WsResponse_Which = (typeof WsResponse_Which)[keyof typeof WsResponse_Which];
export declare class WsResponse extends $.Struct {
    static readonly OK: 0;
    static readonly ERROR: 1;
    static readonly STATUS: 2;
    static readonly RTT: 3;
    static readonly TWIN: 4;
    static readonly CONTACTS: 5;
    static readonly CHAT: 6;
    static readonly HISTORY: 7;
    static readonly SESSIONS: 8;
    static readonly FILES: 9;
    static readonly CIRCLES: 10;
    static readonly CIRCLE: 11;
    static readonly FILE: 12;
    static readonly CHATS: 13;
    static readonly PROPOSALS: 14;
    static readonly PROPOSAL: 15;
    static readonly KYC: 16;
    static readonly AUDIT: 17;
    static readonly _capnp: {
        displayName: string;
        id: string;
        size: $.ObjectSize;
    };
    static _Contacts: $.ListCtor<Contact>;
    static _History: $.ListCtor<ChatEntry>;
    static _Sessions: $.ListCtor<Session>;
    static _Files: $.ListCtor<FileEntry>;
    static _Circles: $.ListCtor<Circle>;
    static _Chats: $.ListCtor<ChatEntry>;
    static _Proposals: $.ListCtor<Proposal>;
    static _Kyc: $.ListCtor<KycAttestation>;
    static _Audit: $.ListCtor<AuditEntry>;
    get _isOk(): boolean;
    set ok(_: true);
    get error(): string;
    get _isError(): boolean;
    set error(value: string);
    _adoptStatus(value: $.Orphan<TwinStatus>): void;
    _disownStatus(): $.Orphan<TwinStatus>;
    get status(): TwinStatus;
    _hasStatus(): boolean;
    _initStatus(): TwinStatus;
    get _isStatus(): boolean;
    set status(value: TwinStatus);
    /**
  * nanoseconds
  *
  */
    get rtt(): bigint;
    get _isRtt(): boolean;
    set rtt(value: bigint);
    _adoptTwin(value: $.Orphan<TwinRecord>): void;
    _disownTwin(): $.Orphan<TwinRecord>;
    get twin(): TwinRecord;
    _hasTwin(): boolean;
    _initTwin(): TwinRecord;
    get _isTwin(): boolean;
    set twin(value: TwinRecord);
    _adoptContacts(value: $.Orphan<$.List<Contact>>): void;
    _disownContacts(): $.Orphan<$.List<Contact>>;
    get contacts(): $.List<Contact>;
    _hasContacts(): boolean;
    _initContacts(length: number): $.List<Contact>;
    get _isContacts(): boolean;
    set contacts(value: $.List<Contact>);
    _adoptChat(value: $.Orphan<ChatEntry>): void;
    _disownChat(): $.Orphan<ChatEntry>;
    get chat(): ChatEntry;
    _hasChat(): boolean;
    _initChat(): ChatEntry;
    get _isChat(): boolean;
    set chat(value: ChatEntry);
    _adoptHistory(value: $.Orphan<$.List<ChatEntry>>): void;
    _disownHistory(): $.Orphan<$.List<ChatEntry>>;
    get history(): $.List<ChatEntry>;
    _hasHistory(): boolean;
    _initHistory(length: number): $.List<ChatEntry>;
    get _isHistory(): boolean;
    set history(value: $.List<ChatEntry>);
    _adoptSessions(value: $.Orphan<$.List<Session>>): void;
    _disownSessions(): $.Orphan<$.List<Session>>;
    get sessions(): $.List<Session>;
    _hasSessions(): boolean;
    _initSessions(length: number): $.List<Session>;
    get _isSessions(): boolean;
    set sessions(value: $.List<Session>);
    _adoptFiles(value: $.Orphan<$.List<FileEntry>>): void;
    _disownFiles(): $.Orphan<$.List<FileEntry>>;
    get files(): $.List<FileEntry>;
    _hasFiles(): boolean;
    _initFiles(length: number): $.List<FileEntry>;
    get _isFiles(): boolean;
    set files(value: $.List<FileEntry>);
    _adoptCircles(value: $.Orphan<$.List<Circle>>): void;
    _disownCircles(): $.Orphan<$.List<Circle>>;
    get circles(): $.List<Circle>;
    _hasCircles(): boolean;
    _initCircles(length: number): $.List<Circle>;
    get _isCircles(): boolean;
    set circles(value: $.List<Circle>);
    _adoptCircle(value: $.Orphan<Circle>): void;
    _disownCircle(): $.Orphan<Circle>;
    get circle(): Circle;
    _hasCircle(): boolean;
    _initCircle(): Circle;
    get _isCircle(): boolean;
    set circle(value: Circle);
    _adoptFile(value: $.Orphan<FileEntry>): void;
    _disownFile(): $.Orphan<FileEntry>;
    get file(): FileEntry;
    _hasFile(): boolean;
    _initFile(): FileEntry;
    get _isFile(): boolean;
    set file(value: FileEntry);
    _adoptChats(value: $.Orphan<$.List<ChatEntry>>): void;
    _disownChats(): $.Orphan<$.List<ChatEntry>>;
    /**
  * a circle chat: the message to each member
  *
  */
    get chats(): $.List<ChatEntry>;
    _hasChats(): boolean;
    _initChats(length: number): $.List<ChatEntry>;
    get _isChats(): boolean;
    set chats(value: $.List<ChatEntry>);
    _adoptProposals(value: $.Orphan<$.List<Proposal>>): void;
    _disownProposals(): $.Orphan<$.List<Proposal>>;
    get proposals(): $.List<Proposal>;
    _hasProposals(): boolean;
    _initProposals(length: number): $.List<Proposal>;
    get _isProposals(): boolean;
    set proposals(value: $.List<Proposal>);
    _adoptProposal(value: $.Orphan<Proposal>): void;
    _disownProposal(): $.Orphan<Proposal>;
    get proposal(): Proposal;
    _hasProposal(): boolean;
    _initProposal(): Proposal;
    get _isProposal(): boolean;
    set proposal(value: Proposal);
    _adoptKyc(value: $.Orphan<$.List<KycAttestation>>): void;
    _disownKyc(): $.Orphan<$.List<KycAttestation>>;
    get kyc(): $.List<KycAttestation>;
    _hasKyc(): boolean;
    _initKyc(length: number): $.List<KycAttestation>;
    get _isKyc(): boolean;
    set kyc(value: $.List<KycAttestation>);
    _adoptAudit(value: $.Orphan<$.List<AuditEntry>>): void;
    _disownAudit(): $.Orphan<$.List<AuditEntry>>;
    get audit(): $.List<AuditEntry>;
    _hasAudit(): boolean;
    _initAudit(length: number): $.List<AuditEntry>;
    get _isAudit(): boolean;
    set audit(value: $.List<AuditEntry>);
    toString(): string;
    which(): WsResponse_Which;
}
export declare const WsEvent_Which: {
    /**
  * a new message, or a change of state of one
  *
  */
    readonly CHAT: 0;
    readonly CONTACT: 1;
    readonly STATUS: 2;
    /**
  * offered, progressing, complete, or its access list changed
  *
  */
    readonly FILE: 3;
    /**
  * created or its members changed
  *
  */
    readonly CIRCLE: 4;
    readonly CIRCLE_DELETED: 5;
};
export type WsEvent_Which = (typeof WsEvent_Which)[keyof typeof WsEvent_Which];
export declare class WsEvent extends $.Struct {
    static readonly CHAT: 0;
    static readonly CONTACT: 1;
    static readonly STATUS: 2;
    static readonly FILE: 3;
    static readonly CIRCLE: 4;
    static readonly CIRCLE_DELETED: 5;
    static readonly _capnp: {
        displayName: string;
        id: string;
        size: $.ObjectSize;
    };
    _adoptChat(value: $.Orphan<ChatEntry>): void;
    _disownChat(): $.Orphan<ChatEntry>;
    /**
  * a new message, or a change of state of one
  *
  */
    get chat(): ChatEntry;
    _hasChat(): boolean;
    _initChat(): ChatEntry;
    get _isChat(): boolean;
    set chat(value: ChatEntry);
    _adoptContact(value: $.Orphan<Contact>): void;
    _disownContact(): $.Orphan<Contact>;
    get contact(): Contact;
    _hasContact(): boolean;
    _initContact(): Contact;
    get _isContact(): boolean;
    set contact(value: Contact);
    _adoptStatus(value: $.Orphan<TwinStatus>): void;
    _disownStatus(): $.Orphan<TwinStatus>;
    get status(): TwinStatus;
    _hasStatus(): boolean;
    _initStatus(): TwinStatus;
    get _isStatus(): boolean;
    set status(value: TwinStatus);
    _adoptFile(value: $.Orphan<FileEntry>): void;
    _disownFile(): $.Orphan<FileEntry>;
    /**
  * offered, progressing, complete, or its access list changed
  *
  */
    get file(): FileEntry;
    _hasFile(): boolean;
    _initFile(): FileEntry;
    get _isFile(): boolean;
    set file(value: FileEntry);
    _adoptCircle(value: $.Orphan<Circle>): void;
    _disownCircle(): $.Orphan<Circle>;
    /**
  * created or its members changed
  *
  */
    get circle(): Circle;
    _hasCircle(): boolean;
    _initCircle(): Circle;
    get _isCircle(): boolean;
    set circle(value: Circle);
    get circleDeleted(): string;
    get _isCircleDeleted(): boolean;
    set circleDeleted(value: string);
    toString(): string;
    which(): WsEvent_Which;
}
export declare const WsFrame_Which: {
    readonly REQUEST: 0;
    readonly RESPONSE: 1;
    readonly EVENT: 2;
};
export type WsFrame_Which = (typeof WsFrame_Which)[keyof typeof WsFrame_Which];
export declare class WsFrame extends $.Struct {
    static readonly REQUEST: 0;
    static readonly RESPONSE: 1;
    static readonly EVENT: 2;
    static readonly _capnp: {
        displayName: string;
        id: string;
        size: $.ObjectSize;
    };
    get id(): bigint;
    set id(value: bigint);
    _adoptRequest(value: $.Orphan<WsRequest>): void;
    _disownRequest(): $.Orphan<WsRequest>;
    get request(): WsRequest;
    _hasRequest(): boolean;
    _initRequest(): WsRequest;
    get _isRequest(): boolean;
    set request(value: WsRequest);
    _adoptResponse(value: $.Orphan<WsResponse>): void;
    _disownResponse(): $.Orphan<WsResponse>;
    get response(): WsResponse;
    _hasResponse(): boolean;
    _initResponse(): WsResponse;
    get _isResponse(): boolean;
    set response(value: WsResponse);
    _adoptEvent(value: $.Orphan<WsEvent>): void;
    _disownEvent(): $.Orphan<WsEvent>;
    get event(): WsEvent;
    _hasEvent(): boolean;
    _initEvent(): WsEvent;
    get _isEvent(): boolean;
    set event(value: WsEvent);
    toString(): string;
    which(): WsFrame_Which;
}
