@0x92becf0d27d17887;
# Payloads of the twin daemon: what twins send each other over RMB, and the frames its owner's
# browser exchanges with it over the websocket.

using Go = import "/go.capnp";
$Go.package("schema");
$Go.import("github.com/freeflowuniverse/planetary/rmb/schema");

# ---- twin to twin, over RMB ----

# Body of twin.contact.invite, twin.contact.accept, twin.contact.decline and twin.contact.remove;
# a decline's note says why.
struct ContactNote {
  note @0 :Text;
}

# Body of twin.chat.send.
struct ChatMessage {
  id @0 :Data;            # 16 random bytes chosen by the sender
  text @1 :Text;
  sent @2 :Int64;         # unix nanoseconds at the sender
  circle @3 :Text;        # the sender's circle the message went to, if it went to one
}

enum ChatState {
  pending @0;             # stored by the sender, not yet with its PNIC
  sent @1;                # durable at the sender's PNIC
  delivered @2;           # the receiving twin stored it
  read @3;                # the receiving owner saw it
  refused @4;             # the receiving twin refused it (reason says why)
  failed @5;              # the bus gave up
}

# Body of twin.chat.receipt: what became of a chat message at the receiver.
struct ChatReceipt {
  id @0 :Data;
  state @1 :ChatState;    # delivered, read or refused
  at @2 :Int64;
  reason @3 :Text;
}

# Body of twin.file.offer: a file the sender lets the receiver download.
struct FileInfo {
  sha256 @0 :Data;
  name @1 :Text;
  size @2 :UInt64;
}

# Body of twin.file.refused: the receiver of an offer does not take it (not a contact, blocked).
struct FileRefusal {
  sha256 @0 :Data;
  reason @1 :Text;
}

# Body of the twin.file.get request, answered with a FileChunk, or with a FileStreamTicket when
# stream is set and the holder can stream the file over the overlay.
struct FileChunkRequest {
  sha256 @0 :Data;
  offset @1 :UInt64;
  length @2 :UInt32;
  stream @3 :Bool;        # the requester would take the file from offset on over an overlay stream
}

# The answer to a FileChunkRequest with stream set: connect a TCP stream over the overlay to the
# holder's twin address on port, send the ticket, and the file arrives from offset to its end.
# The ticket is random, single use, bound to this request and short-lived.
struct FileStreamTicket {
  ticket @0 :Data;        # 32 random bytes
  port @1 :UInt16;
  offset @2 :UInt64;
  size @3 :UInt64;        # of the whole file
}

struct FileChunk {
  offset @0 :UInt64;
  data @1 :Data;
  size @2 :UInt64;        # of the whole file
  error @3 :Text;         # why the request was refused; empty when data is set
}

# ---- browser to twin, over the websocket ----

enum ContactState {
  none @0;
  invited @1;             # we invited them and wait for their answer
  invitedBy @2;           # they invited us
  contact @3;
  blocked @4;
  declined @5;            # they declined our invitation, or take none from us (note says why)
}

struct Contact {
  twin @0 :UInt64;
  state @1 :ContactState;
  note @2 :Text;
  since @3 :Int64;
  unread @4 :UInt32;
}

struct ChatEntry {
  peer @0 :UInt64;
  seq @1 :UInt64;         # order in this twin's history
  id @2 :Data;
  outgoing @3 :Bool;
  text @4 :Text;
  sent @5 :Int64;
  state @6 :ChatState;
  reason @7 :Text;
  circle @8 :Text;        # the circle it went to: ours when outgoing, the sender's when incoming
}

struct TwinStatus {
  twin @0 :UInt64;
  pnicConnected @1 :Bool;
  address @2 :Text;
  version @3 :Text;
  socket @4 :Text;
  chunksServed @5 :UInt64; # file chunks this twin sent other twins since it started
}

struct TwinRecord {
  id @0 :UInt64;
  signingKey @1 :Data;
  encryptionKey @2 :Data;
  pnic @3 :Data;
  location @4 :Text;
}

struct Session {
  id @0 :Text;            # public id, not the cookie
  created @1 :Int64;
  lastSeen @2 :Int64;
  userAgent @3 :Text;
  current @4 :Bool;
}

struct Invite {
  twin @0 :UInt64;
  note @1 :Text;
}

struct SendChat {
  twin @0 :UInt64;
  text @1 :Text;
}

struct HistoryQuery {
  twin @0 :UInt64;
  before @1 :UInt64;      # seq to page back from; 0 for the newest
  limit @2 :UInt32;
}

# A twin that refused this twin's offer of a file, and why.
struct OfferRefusal {
  twin @0 :UInt64;
  reason @1 :Text;
  at @2 :Int64;
}

# A file this twin shares (from 0) or was offered by twin `from`, with what it has of it.
struct FileEntry {
  sha256 @0 :Data;
  name @1 :Text;
  size @2 :UInt64;
  from @3 :UInt64;
  have @4 :UInt64;        # bytes stored here
  access @5 :List(UInt64); # twins allowed to download a shared file
  circles @6 :List(Text); # circles whose members (as they are when they ask) may download it
  refusals @7 :List(OfferRefusal); # twins that refused the offer of a shared file
}

struct FileRef {
  twin @0 :UInt64;
  sha256 @1 :Data;
}

# One of the owner's circles: a named group of twins, on the chain when twind runs with --chain.
struct Circle {
  name @0 :Text;
  members @1 :List(UInt64);
  chainId @2 :UInt64;     # its id on the chain; 0 when it is kept in the twin's circles file
}

struct CircleMember {
  circle @0 :Text;
  twin @1 :UInt64;
}

struct CircleChat {
  circle @0 :Text;
  text @1 :Text;
}

# Who may download a file this twin shares: twins, and circles.
struct FileAccess {
  sha256 @0 :Data;
  twins @1 :List(UInt64);
  circles @2 :List(Text);
}

# A governance proposal on the chain, with its tally and this twin's vote.
struct Proposal {
  id @0 :UInt64;
  twin @1 :UInt64;        # the proposing twin
  title @2 :Text;
  action @3 :UInt8;       # 1 set parameter, 2 spend from the treasury, 3 add KYC provider, 4 remove one, 5 revoke a KYC attestation
  param @4 :Text;         # the parameter, or the provider's label
  value @5 :UInt64;       # the parameter's value, or the amount
  account @6 :Data;       # who is paid, or the provider
  target @7 :UInt64;      # the twin whose attestation is revoked
  end @8 :Int64;          # last height that takes votes
  yes @9 :UInt64;
  no @10 :UInt64;
  abstain @11 :UInt64;
  quorum @12 :UInt64;
  threshold @13 :UInt64;  # per mille of yes among yes and no to exceed
  status @14 :Text;       # open, rejected, executed or failed
  result @15 :Text;       # why it was rejected or failed
  myVote @16 :UInt8;      # this twin's vote: 0 none, 1 yes, 2 no, 3 abstain
}

struct ProposalDraft {
  title @0 :Text;
  action @1 :UInt8;
  param @2 :Text;
  value @3 :UInt64;
  account @4 :Data;
  target @5 :UInt64;
}

struct CastVote {
  proposal @0 :UInt64;
  choice @1 :UInt8;       # 1 yes, 2 no, 3 abstain
}

# A KYC provider's attestation about this twin, as the chain proves it.
struct KycAttestation {
  provider @0 :Data;
  level @1 :UInt8;
  ref @2 :Text;
  issued @3 :Int64;       # unix seconds
  expires @4 :Int64;      # unix seconds
  status @5 :Text;        # valid, expired or revoked
  note @6 :Text;
}

# One event of this twin's audit log on the chain, proven.
struct AuditEntry {
  seq @0 :UInt64;
  height @1 :Int64;
  kind @2 :Text;
  detail @3 :Text;
}

struct AuditQuery {
  before @0 :UInt64;      # seq to page back from; 0 for the newest
  limit @1 :UInt32;
}

struct WsRequest {
  union {
    status @0 :Void;
    ping @1 :UInt64;
    findTwin @2 :UInt64;
    contacts @3 :Void;
    invite @4 :Invite;
    accept @5 :UInt64;
    decline @6 :UInt64;
    remove @7 :UInt64;
    block @8 :UInt64;
    unblock @9 :UInt64;
    sendChat @10 :SendChat;
    history @11 :HistoryQuery;
    markRead @12 :UInt64;
    sessions @13 :Void;
    revokeSession @14 :Text;
    files @15 :Void;
    download @16 :FileRef;  # fetch (or resume) a file offered by twin
    circles @17 :Void;
    createCircle @18 :Circle;       # its name and first members (chainId is ignored)
    deleteCircle @19 :Text;
    addMember @20 :CircleMember;
    removeMember @21 :CircleMember;
    circleChat @22 :CircleChat;     # one chat message to each member
    accessList @23 :Data;           # a shared file's entry, with its access list, by sha256
    shareFile @24 :FileAccess;      # let more twins and circles download a shared file, and offer it to them
    replaceAccess @25 :FileAccess;  # replace a shared file's access list: whoever is left out is refused from now on
    proposals @26 :UInt64;          # the chain's proposals from this id on
    propose @27 :ProposalDraft;       # answered with the new proposal
    vote @28 :CastVote;             # answered with the proposal and its tally
    kyc @29 :Void;                  # this twin's KYC attestations
    audit @30 :AuditQuery;          # this twin's audit log, newest first
  }
}

struct WsResponse {
  union {
    ok @0 :Void;
    error @1 :Text;
    status @2 :TwinStatus;
    rtt @3 :Int64;        # nanoseconds
    twin @4 :TwinRecord;
    contacts @5 :List(Contact);
    chat @6 :ChatEntry;
    history @7 :List(ChatEntry);
    sessions @8 :List(Session);
    files @9 :List(FileEntry);
    circles @10 :List(Circle);
    circle @11 :Circle;
    file @12 :FileEntry;
    chats @13 :List(ChatEntry); # a circle chat: the message to each member
    proposals @14 :List(Proposal);
    proposal @15 :Proposal;
    kyc @16 :List(KycAttestation);
    audit @17 :List(AuditEntry);
  }
}

struct WsEvent {
  union {
    chat @0 :ChatEntry;   # a new message, or a change of state of one
    contact @1 :Contact;
    status @2 :TwinStatus;
    file @3 :FileEntry;   # offered, progressing, complete, or its access list changed
    circle @4 :Circle;    # created or its members changed
    circleDeleted @5 :Text;
  }
}

# One websocket message, unpacked: requests carry an id the response echoes; events have id 0.
struct WsFrame {
  id @0 :UInt64;
  union {
    request @1 :WsRequest;
    response @2 :WsResponse;
    event @3 :WsEvent;
  }
}
