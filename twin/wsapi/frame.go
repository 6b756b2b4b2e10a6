package wsapi

import (
	"errors"
	"fmt"

	"capnproto.org/go/capnp/v3"

	"github.com/freeflowuniverse/planetary/chain"
	"github.com/freeflowuniverse/planetary/rmb/schema"
	"github.com/freeflowuniverse/planetary/twin/directory"
	"github.com/freeflowuniverse/planetary/twin/services"
	"github.com/freeflowuniverse/planetary/twin/store"
)

// MaxFrame bounds a websocket message from the browser.
const MaxFrame = 64 << 10

// Request is a decoded browser request; which fields are set depends on Which.
type Request struct {
	ID     uint64
	Which  schema.WsRequest_Which
	Twin   uint64
	Text   string // chat text, invitation note or session id
	Before uint64
	Limit  uint32
	SHA256 [32]byte
	Circle string
	// Twins and Circles are a circle's first members or a file's access list.
	Twins   []uint64
	Circles []string
	// Proposal is the proposal voted on, or the first one listed; Choice the vote, Change and
	// Text (the title) a new proposal.
	Proposal uint64
	Choice   chain.VoteChoice
	Change   chain.Change
}

// maxList bounds the twins or circles of one request.
const maxList = 1000

func readTwins(l capnp.UInt64List, err error) ([]uint64, error) {
	if err != nil {
		return nil, err
	}
	if l.Len() > maxList {
		return nil, fmt.Errorf("%d twins, limit %d", l.Len(), maxList)
	}
	out := make([]uint64, l.Len())
	for i := range out {
		out[i] = l.At(i)
	}
	return out, nil
}

func readSHA(b []byte, err error) ([32]byte, error) {
	var sha [32]byte
	if err != nil || len(b) != 32 {
		return sha, errors.New("sha256 must be 32 bytes")
	}
	copy(sha[:], b)
	return sha, nil
}

func readAccess(a schema.FileAccess, err error) (r Request, _ error) {
	if err != nil {
		return r, err
	}
	if r.SHA256, err = readSHA(a.Sha256()); err != nil {
		return r, err
	}
	if r.Twins, err = readTwins(a.Twins()); err != nil {
		return r, err
	}
	l, err := a.Circles()
	if err != nil {
		return r, err
	}
	if l.Len() > maxList {
		return r, fmt.Errorf("%d circles, limit %d", l.Len(), maxList)
	}
	for i := 0; i < l.Len(); i++ {
		c, err := l.At(i)
		if err != nil {
			return r, err
		}
		r.Circles = append(r.Circles, c)
	}
	return r, nil
}

// DecodeRequest reads one websocket message: an unpacked Cap'n Proto WsFrame holding a request.
// It reads every field it needs, so a frame it accepts cannot fail later.
func DecodeRequest(b []byte) (Request, error) {
	if len(b) > MaxFrame {
		return Request{}, fmt.Errorf("frame of %d bytes, limit %d", len(b), MaxFrame)
	}
	msg, err := capnp.Unmarshal(b)
	if err != nil {
		return Request{}, fmt.Errorf("frame: %w", err)
	}
	msg.ResetReadLimit(4 * MaxFrame)
	f, err := schema.ReadRootWsFrame(msg)
	if err != nil {
		return Request{}, fmt.Errorf("frame: %w", err)
	}
	if f.Which() != schema.WsFrame_Which_request {
		return Request{}, fmt.Errorf("frame: a browser sends requests, not %v", f.Which())
	}
	rq, err := f.Request()
	if err != nil {
		return Request{}, fmt.Errorf("frame: request: %w", err)
	}
	r := Request{ID: f.Id(), Which: rq.Which()}
	switch r.Which {
	case schema.WsRequest_Which_status, schema.WsRequest_Which_contacts, schema.WsRequest_Which_sessions:
	case schema.WsRequest_Which_ping:
		r.Twin = rq.Ping()
	case schema.WsRequest_Which_findTwin:
		r.Twin = rq.FindTwin()
	case schema.WsRequest_Which_accept:
		r.Twin = rq.Accept()
	case schema.WsRequest_Which_decline:
		r.Twin = rq.Decline()
	case schema.WsRequest_Which_remove:
		r.Twin = rq.Remove()
	case schema.WsRequest_Which_block:
		r.Twin = rq.Block()
	case schema.WsRequest_Which_unblock:
		r.Twin = rq.Unblock()
	case schema.WsRequest_Which_markRead:
		r.Twin = rq.MarkRead()
	case schema.WsRequest_Which_invite:
		in, err := rq.Invite()
		if err != nil {
			return Request{}, fmt.Errorf("frame: invite: %w", err)
		}
		r.Twin = in.Twin()
		if r.Text, err = in.Note(); err != nil {
			return Request{}, fmt.Errorf("frame: invite note: %w", err)
		}
	case schema.WsRequest_Which_sendChat:
		sc, err := rq.SendChat()
		if err != nil {
			return Request{}, fmt.Errorf("frame: sendChat: %w", err)
		}
		r.Twin = sc.Twin()
		if r.Text, err = sc.Text(); err != nil {
			return Request{}, fmt.Errorf("frame: chat text: %w", err)
		}
	case schema.WsRequest_Which_history:
		h, err := rq.History()
		if err != nil {
			return Request{}, fmt.Errorf("frame: history: %w", err)
		}
		r.Twin, r.Before, r.Limit = h.Twin(), h.Before(), h.Limit()
	case schema.WsRequest_Which_download:
		ref, err := rq.Download()
		if err != nil {
			return Request{}, fmt.Errorf("frame: download: %w", err)
		}
		sha, err := ref.Sha256()
		if err != nil || len(sha) != 32 {
			return Request{}, errors.New("frame: download: sha256 must be 32 bytes")
		}
		r.Twin = ref.Twin()
		copy(r.SHA256[:], sha)
	case schema.WsRequest_Which_files, schema.WsRequest_Which_circles:
	case schema.WsRequest_Which_createCircle:
		c, err := rq.CreateCircle()
		if err == nil {
			r.Circle, err = c.Name()
		}
		if err == nil {
			r.Twins, err = readTwins(c.Members())
		}
		if err != nil {
			return Request{}, fmt.Errorf("frame: createCircle: %w", err)
		}
	case schema.WsRequest_Which_deleteCircle:
		if r.Circle, err = rq.DeleteCircle(); err != nil {
			return Request{}, fmt.Errorf("frame: deleteCircle: %w", err)
		}
	case schema.WsRequest_Which_addMember, schema.WsRequest_Which_removeMember:
		var m schema.CircleMember
		if r.Which == schema.WsRequest_Which_addMember {
			m, err = rq.AddMember()
		} else {
			m, err = rq.RemoveMember()
		}
		if err == nil {
			r.Circle, err = m.Circle()
		}
		if err != nil {
			return Request{}, fmt.Errorf("frame: %v: %w", r.Which, err)
		}
		r.Twin = m.Twin()
	case schema.WsRequest_Which_circleChat:
		c, err := rq.CircleChat()
		if err == nil {
			r.Circle, err = c.Circle()
		}
		if err == nil {
			r.Text, err = c.Text()
		}
		if err != nil {
			return Request{}, fmt.Errorf("frame: circleChat: %w", err)
		}
	case schema.WsRequest_Which_accessList:
		if r.SHA256, err = readSHA(rq.AccessList()); err != nil {
			return Request{}, fmt.Errorf("frame: accessList: %w", err)
		}
	case schema.WsRequest_Which_shareFile, schema.WsRequest_Which_replaceAccess:
		var a schema.FileAccess
		if r.Which == schema.WsRequest_Which_shareFile {
			a, err = rq.ShareFile()
		} else {
			a, err = rq.ReplaceAccess()
		}
		acc, err := readAccess(a, err)
		if err != nil {
			return Request{}, fmt.Errorf("frame: %v: %w", r.Which, err)
		}
		r.SHA256, r.Twins, r.Circles = acc.SHA256, acc.Twins, acc.Circles
	case schema.WsRequest_Which_revokeSession:
		if r.Text, err = rq.RevokeSession(); err != nil {
			return Request{}, fmt.Errorf("frame: revokeSession: %w", err)
		}
	case schema.WsRequest_Which_proposals, schema.WsRequest_Which_propose, schema.WsRequest_Which_vote,
		schema.WsRequest_Which_kyc, schema.WsRequest_Which_audit:
		if err := decodeGov(rq, &r); err != nil {
			return Request{}, err
		}
	default:
		return Request{}, fmt.Errorf("frame: unknown request %d", r.Which)
	}
	return r, nil
}

// newFrame starts an outgoing frame.
func newFrame(id uint64) (*capnp.Message, schema.WsFrame, error) {
	msg, seg := capnp.NewSingleSegmentMessage(nil)
	f, err := schema.NewRootWsFrame(seg)
	if err != nil {
		return nil, f, err
	}
	f.SetId(id)
	return msg, f, nil
}

// errorFrame is the response carrying an error.
func errorFrame(id uint64, e error) ([]byte, error) {
	msg, f, err := newFrame(id)
	if err != nil {
		return nil, err
	}
	resp, err := f.NewResponse()
	if err == nil {
		err = resp.SetError(e.Error())
	}
	if err != nil {
		return nil, err
	}
	return msg.Marshal()
}

// response builds a response frame, letting fill set its content.
func response(id uint64, fill func(schema.WsResponse) error) ([]byte, error) {
	msg, f, err := newFrame(id)
	if err != nil {
		return nil, err
	}
	resp, err := f.NewResponse()
	if err == nil {
		err = fill(resp)
	}
	if err != nil {
		return nil, err
	}
	return msg.Marshal()
}

// event builds an event frame.
func event(fill func(schema.WsEvent) error) ([]byte, error) {
	msg, f, err := newFrame(0)
	if err != nil {
		return nil, err
	}
	ev, err := f.NewEvent()
	if err == nil {
		err = fill(ev)
	}
	if err != nil {
		return nil, err
	}
	return msg.Marshal()
}

func fillContact(c schema.Contact, v services.Contact) error {
	c.SetTwin(v.Twin)
	c.SetState(v.State)
	c.SetSince(v.Since.UnixNano())
	c.SetUnread(uint32(v.Unread))
	return c.SetNote(v.Note)
}

func fillChat(c schema.ChatEntry, m store.Message) error {
	c.SetPeer(m.Peer)
	c.SetSeq(m.Seq)
	c.SetOutgoing(m.Outgoing)
	c.SetSent(m.Sent.UnixNano())
	c.SetState(m.State)
	return errors.Join(c.SetId(m.ID[:]), c.SetText(m.Text), c.SetReason(m.Reason), c.SetCircle(m.Circle))
}

func fillCircle(c schema.Circle, v directory.Circle) error {
	c.SetChainId(v.ChainID)
	l, err := c.NewMembers(int32(len(v.Members)))
	if err != nil {
		return err
	}
	for i, m := range v.Members {
		l.Set(i, m)
	}
	return c.SetName(v.Name)
}

func fillStatus(s schema.TwinStatus, st services.Status, version, socket string) error {
	s.SetTwin(st.Twin)
	s.SetPnicConnected(st.Connected)
	s.SetChunksServed(st.ChunksServed)
	addr := ""
	if st.Address.IsValid() {
		addr = st.Address.String()
	}
	return errors.Join(s.SetAddress(addr), s.SetVersion(version), s.SetSocket(socket))
}

func fillRecord(t schema.TwinRecord, r directory.Record) error {
	t.SetId(r.ID)
	return errors.Join(t.SetSigningKey(r.SigningKey), t.SetEncryptionKey(r.EncryptionKey[:]), t.SetPnic(r.PNIC), t.SetLocation(r.Location))
}

func fillSessions(l schema.Session_List, all []store.Session, current string) error {
	for i, se := range all {
		s := l.At(i)
		s.SetCreated(se.Created.UnixNano())
		s.SetLastSeen(se.LastSeen.UnixNano())
		s.SetCurrent(se.ID == current)
		if err := errors.Join(s.SetId(se.ID), s.SetUserAgent(se.UserAgent)); err != nil {
			return err
		}
	}
	return nil
}

func fillFile(e schema.FileEntry, f store.File) error {
	e.SetSize(uint64(f.Size))
	e.SetFrom(f.From)
	e.SetHave(uint64(f.Have))
	l, err := e.NewAccess(int32(len(f.Access)))
	if err != nil {
		return err
	}
	for i, a := range f.Access {
		l.Set(i, a)
	}
	cl, err := e.NewCircles(int32(len(f.Circles)))
	if err != nil {
		return err
	}
	for i, c := range f.Circles {
		if err := cl.Set(i, c); err != nil {
			return err
		}
	}
	rl, err := e.NewRefusals(int32(len(f.Refusals)))
	if err != nil {
		return err
	}
	for i, r := range f.Refusals {
		x := rl.At(i)
		x.SetTwin(r.Twin)
		x.SetAt(r.At.UnixNano())
		if err := x.SetReason(r.Reason); err != nil {
			return err
		}
	}
	return errors.Join(e.SetSha256(f.SHA256[:]), e.SetName(f.Name))
}
