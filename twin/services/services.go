// Package services is what a twin does over the message bus: ping, finding twins, its trusted
// network (invite, accept or decline, remove, block) and 1:1 chat with delivery and read receipts.
//
// Only contacts may chat or offer files: a chat message or file offer from any other twin is
// refused with an answer that says why, and so is an invitation from a blocked twin, so the sender
// sees a clear error instead of silence. Every change is stored before it is
// acknowledged to the bus, and published to subscribers (the owner's browsers).
package services

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/freeflowuniverse/planetary/rmb/client"
	"github.com/freeflowuniverse/planetary/rmb/schema"
	"github.com/freeflowuniverse/planetary/rmb/seal"
	"github.com/freeflowuniverse/planetary/twin/directory"
	"github.com/freeflowuniverse/planetary/twin/files"
	"github.com/freeflowuniverse/planetary/twin/pinclient"
	"github.com/freeflowuniverse/planetary/twin/store"
)

// ErrNotContact is returned for an operation that needs the other twin to be a contact.
var ErrNotContact = errors.New("not a contact")

// Contact is a relation with another twin as the owner sees it.
type Contact struct {
	store.Contact
	Unread int
}

// Event is a change the owner's browsers are told about; exactly one field is set.
type Event struct {
	Chat    *store.Message
	Contact *Contact
	File    *store.File
	Circle  *directory.Circle
	// CircleDeleted names a circle the owner deleted.
	CircleDeleted string
}

// Config describes a Twin.
type Config struct {
	// Client is the twin's connection to its PNIC.
	Client *client.Client
	// Store keeps contacts and history.
	Store *store.Store
	// Directory finds twins.
	Directory directory.Directory
	// Files keeps shared and downloaded files; nil disables file exchange.
	Files *files.Dir
	// NoStreams moves files only as RMB chunks, never over overlay streams.
	NoStreams bool
	// StreamPort is the overlay TCP port file streams are served on (default DefaultStreamPort).
	StreamPort uint16
	// Pin is the client of the owner's pinning node; nil: pinning is not configured.
	Pin *pinclient.Client
	// Self is this twin's id.
	Self uint64
	// Logger receives what the twin does; nil discards it.
	Logger *slog.Logger
}

// Twin runs the services of one twin.
type Twin struct {
	cfg Config
	c   *client.Client
	st  *store.Store
	log *slog.Logger

	mu       sync.Mutex // serialises contact state changes
	filesMu  sync.Mutex // serialises changes of shared files' access lists
	subsMu   sync.Mutex
	subs     map[chan Event]struct{}
	inflight sync.Map     // seal.ID → outgoing chat, until the bus's receipt
	served   atomic.Int64 // file chunks sent; a stream counts ChunkSize bytes as one
	streams  streams
}

type outgoing struct {
	peer uint64
	id   store.MessageID
}

// New returns a Twin; call Run to serve incoming messages and HandleReceipt from the client's
// OnReceipt.
func New(cfg Config) *Twin {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Twin{cfg: cfg, c: cfg.Client, st: cfg.Store, log: log, subs: make(map[chan Event]struct{})}
}

// ID returns the twin's id.
func (t *Twin) ID() uint64 { return t.cfg.Self }

// Subscribe returns a channel of events and a function to stop; the channel is closed when the
// subscriber falls too far behind, so it must then reload its state.
func (t *Twin) Subscribe() (<-chan Event, func()) {
	ch := make(chan Event, 256)
	t.subsMu.Lock()
	t.subs[ch] = struct{}{}
	t.subsMu.Unlock()
	return ch, func() {
		t.subsMu.Lock()
		if _, ok := t.subs[ch]; ok {
			delete(t.subs, ch)
			close(ch)
		}
		t.subsMu.Unlock()
	}
}

func (t *Twin) publish(e Event) {
	t.subsMu.Lock()
	defer t.subsMu.Unlock()
	for ch := range t.subs {
		select {
		case ch <- e:
		default:
			t.log.Warn("a browser fell behind on events; closing its stream")
			delete(t.subs, ch)
			close(ch)
		}
	}
}

func (t *Twin) publishContact(c store.Contact) {
	v := Contact{Contact: c}
	if u, err := t.st.Unread(c.Twin); err == nil {
		v.Unread = len(u)
	}
	t.publish(Event{Contact: &v})
}

func (t *Twin) publishChat(m store.Message) { t.publish(Event{Chat: &m}) }

// Run handles incoming messages until ctx ends or the client closes.
func (t *Twin) Run(ctx context.Context) error {
	defer t.closeStreams()
	for {
		select {
		case <-ctx.Done():
			return nil
		case m, ok := <-t.c.Messages():
			if !ok {
				return client.ErrClosed
			}
			if err := t.handle(ctx, m); err != nil {
				// Not acknowledged: the PNIC delivers it again after a reconnect.
				t.log.Error("could not handle a message; leaving it with the PNIC", "from", m.From, "command", m.Command, "err", err)
				continue
			}
			m.Ack()
		}
	}
}

// HandleReceipt records what the bus reports about a sent chat message; set it as the client's
// OnReceipt.
func (t *Twin) HandleReceipt(r client.Receipt) {
	v, ok := t.inflight.LoadAndDelete(r.ID)
	if !ok || r.Delivered {
		return
	}
	o := v.(outgoing)
	reason := fmt.Sprintf("the message bus gave up: %s %s", r.Code, r.Reason)
	if m, moved, err := t.st.SetState(o.peer, o.id, schema.ChatState_failed, reason); err == nil && moved {
		t.publishChat(m)
	}
}

func (t *Twin) send(ctx context.Context, to uint64, command string, schemaID uint64, body []byte) (seal.ID, error) {
	id, err := t.c.Send(ctx, client.Outgoing{To: to, Command: command, Schema: schemaID, Body: body})
	if err != nil {
		return id, fmt.Errorf("send %s to twin %d: %w", command, to, err)
	}
	return id, nil
}

func (t *Twin) handle(ctx context.Context, m *client.Message) error {
	switch m.Command {
	case CmdInvite, CmdAccept, CmdDecline, CmdRemove:
		note, err := decodeNote(m.Body)
		if err != nil {
			t.log.Warn("dropped a malformed contact message", "from", m.From, "command", m.Command, "err", err)
			return nil
		}
		return t.handleContact(ctx, m.From, m.Command, note)
	case CmdChat:
		return t.handleChat(ctx, m)
	case CmdReceipt:
		r, err := decodeReceipt(m.Body)
		if err != nil {
			t.log.Warn("dropped a malformed chat receipt", "from", m.From, "err", err)
			return nil
		}
		msg, moved, err := t.st.SetState(m.From, r.id, r.state, r.reason)
		switch {
		case errors.Is(err, store.ErrNotFound):
			t.log.Warn("receipt for a message this twin never sent", "from", m.From, "id", r.id)
			return nil
		case err != nil:
			return err
		case moved:
			if msg.Outgoing {
				t.publishChat(msg)
			}
		}
		return nil
	case CmdFileOffer:
		return t.handleFileOffer(ctx, m)
	case CmdFileRefused:
		return t.handleFileRefused(m)
	case CmdFileGet:
		if m.Kind != seal.KindRequest {
			return nil
		}
		return t.handleFileGet(ctx, m)
	default:
		t.log.Warn("ignored a message with an unknown command", "from", m.From, "command", m.Command)
		return nil
	}
}

func (t *Twin) handleContact(ctx context.Context, from uint64, command, note string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	c, err := t.st.Contact(from)
	if err != nil {
		return err
	}
	now := time.Now()
	next := c
	reply := ""
	switch command {
	case CmdInvite:
		switch c.State {
		case schema.ContactState_blocked:
			// A clear answer rather than silence: the inviter sees why nothing will come of it.
			t.log.Info("refused an invitation from a blocked twin", "from", from)
			return t.sendNote(ctx, from, CmdDecline, BlockedInvitationText(t.cfg.Self, from))
		case schema.ContactState_none, schema.ContactState_declined:
			next = store.Contact{Twin: from, State: schema.ContactState_invitedBy, Note: note, Since: now}
		case schema.ContactState_invited:
			// Both invited each other: that is agreement.
			next = store.Contact{Twin: from, State: schema.ContactState_contact, Note: note, Since: now}
			reply = CmdAccept
		case schema.ContactState_contact:
			reply = CmdAccept // they lost our acceptance; say it again
		}
	case CmdAccept:
		if c.State != schema.ContactState_invited {
			t.log.Info("ignored an acceptance without an invitation", "from", from, "state", c.State)
			return nil
		}
		next = store.Contact{Twin: from, State: schema.ContactState_contact, Note: c.Note, Since: now}
	case CmdDecline, CmdRemove:
		switch {
		case c.State == schema.ContactState_blocked || c.State == schema.ContactState_none || c.State == schema.ContactState_declined:
			return nil
		case command == CmdDecline && c.State == schema.ContactState_invited:
			if note == "" {
				note = fmt.Sprintf("twin %d declined the invitation", from)
			}
			next = store.Contact{Twin: from, State: schema.ContactState_declined, Note: note, Since: now}
		default:
			next = store.Contact{Twin: from, State: schema.ContactState_none}
		}
	}
	if next != c {
		if err := t.st.PutContact(next); err != nil {
			return err
		}
		t.log.Info("contact changed", "twin", from, "command", command, "state", next.State)
		t.publishContact(next)
	}
	if reply != "" {
		return t.sendNote(ctx, from, reply, "")
	}
	return nil
}

// sendNote sends a contact command with its note.
func (t *Twin) sendNote(ctx context.Context, to uint64, command, note string) error {
	body, err := encodeNote(note)
	if err != nil {
		return err
	}
	_, err = t.send(ctx, to, command, schema.ContactNote_TypeID, body)
	return err
}

// BlockedInvitationText is the answer a twin that blocked another gives to its invitation.
func BlockedInvitationText(self, from uint64) string {
	return fmt.Sprintf("twin %d does not accept invitations from twin %d", self, from)
}

// RefusalText is the reason given to a twin that is not a contact and sends a chat message.
func RefusalText(self uint64) string {
	return fmt.Sprintf("twin %d accepts chat only from its contacts: send it an invitation first", self)
}

func (t *Twin) handleChat(ctx context.Context, m *client.Message) error {
	in, err := decodeChat(m.Body)
	if err != nil {
		t.log.Warn("dropped a malformed chat message", "from", m.From, "err", err)
		return nil
	}
	c, err := t.st.Contact(m.From)
	if err != nil {
		return err
	}
	state, reason := schema.ChatState_delivered, ""
	if c.State != schema.ContactState_contact {
		state, reason = schema.ChatState_refused, RefusalText(t.cfg.Self)
		t.log.Info("refused chat from a twin that is not a contact", "from", m.From, "state", c.State)
	} else {
		msg, added, err := t.st.AddMessage(store.Message{Peer: m.From, ID: in.id, Text: in.text,
			Sent: time.Unix(0, in.sent), State: schema.ChatState_delivered, Circle: in.circle})
		if err != nil {
			return err
		}
		if added {
			t.publishChat(msg)
			t.publishContact(c)
		}
		if msg.State == schema.ChatState_read {
			state = schema.ChatState_read
		}
	}
	body, err := encodeReceipt(in.id, state, time.Now().UnixNano(), reason)
	if err != nil {
		return err
	}
	_, err = t.send(ctx, m.From, CmdReceipt, schema.ChatReceipt_TypeID, body)
	return err
}

// Contacts returns every relation of this twin.
func (t *Twin) Contacts() ([]Contact, error) {
	cs, err := t.st.Contacts()
	if err != nil {
		return nil, err
	}
	out := make([]Contact, 0, len(cs))
	for _, c := range cs {
		v := Contact{Contact: c}
		if c.State == schema.ContactState_contact {
			u, err := t.st.Unread(c.Twin)
			if err != nil {
				return nil, err
			}
			v.Unread = len(u)
		}
		out = append(out, v)
	}
	return out, nil
}

// Invite asks another twin to become a contact; inviting a twin that invited us accepts it.
func (t *Twin) Invite(ctx context.Context, to uint64, note string) error {
	if to == t.cfg.Self {
		return errors.New("a twin cannot invite itself")
	}
	if len(note) > MaxNote {
		return fmt.Errorf("invitation note of %d bytes, limit %d", len(note), MaxNote)
	}
	if _, err := t.cfg.Directory.FindTwin(ctx, to); err != nil {
		return fmt.Errorf("invite twin %d: %w", to, err)
	}
	t.mu.Lock()
	c, err := t.st.Contact(to)
	t.mu.Unlock()
	if err != nil {
		return err
	}
	switch c.State {
	case schema.ContactState_invitedBy:
		return t.Accept(ctx, to)
	case schema.ContactState_blocked:
		return fmt.Errorf("twin %d is blocked: unblock it first", to)
	case schema.ContactState_contact:
		return fmt.Errorf("twin %d is already a contact", to)
	}
	return t.change(ctx, to, store.Contact{Twin: to, State: schema.ContactState_invited, Note: note, Since: time.Now()}, CmdInvite, note)
}

// change stores the new relation, tells the other twin with command, and publishes it.
func (t *Twin) change(ctx context.Context, to uint64, next store.Contact, command, note string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if command != "" {
		body, err := encodeNote(note)
		if err != nil {
			return err
		}
		// Sent first: if the bus refuses, nothing changed here.
		if _, err := t.send(ctx, to, command, schema.ContactNote_TypeID, body); err != nil {
			return err
		}
	}
	if err := t.st.PutContact(next); err != nil {
		return err
	}
	t.publishContact(next)
	return nil
}

func (t *Twin) expect(to uint64, want schema.ContactState, op string) (store.Contact, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	c, err := t.st.Contact(to)
	if err != nil {
		return c, err
	}
	if c.State != want {
		return c, fmt.Errorf("%s twin %d: its state is %s, not %s", op, to, c.State, want)
	}
	return c, nil
}

// Accept accepts another twin's invitation.
func (t *Twin) Accept(ctx context.Context, from uint64) error {
	c, err := t.expect(from, schema.ContactState_invitedBy, "accept")
	if err != nil {
		return err
	}
	return t.change(ctx, from, store.Contact{Twin: from, State: schema.ContactState_contact, Note: c.Note, Since: time.Now()}, CmdAccept, "")
}

// Decline refuses another twin's invitation.
func (t *Twin) Decline(ctx context.Context, from uint64) error {
	if _, err := t.expect(from, schema.ContactState_invitedBy, "decline"); err != nil {
		return err
	}
	return t.change(ctx, from, store.Contact{Twin: from, State: schema.ContactState_none}, CmdDecline,
		fmt.Sprintf("twin %d declined the invitation", t.cfg.Self))
}

// Remove ends a relation (a contact, or an invitation either way) and tells the other twin.
func (t *Twin) Remove(ctx context.Context, other uint64) error {
	t.mu.Lock()
	c, err := t.st.Contact(other)
	t.mu.Unlock()
	if err != nil {
		return err
	}
	if c.State == schema.ContactState_none || c.State == schema.ContactState_blocked {
		return fmt.Errorf("remove twin %d: its state is %s", other, c.State)
	}
	if c.State == schema.ContactState_declined {
		// Only forgotten here: the other twin already ended it.
		return t.change(ctx, other, store.Contact{Twin: other, State: schema.ContactState_none}, "", "")
	}
	return t.change(ctx, other, store.Contact{Twin: other, State: schema.ContactState_none}, CmdRemove, "")
}

// Block refuses everything from another twin from now on; a contact is removed first.
func (t *Twin) Block(ctx context.Context, other uint64) error {
	if other == t.cfg.Self {
		return errors.New("a twin cannot block itself")
	}
	t.mu.Lock()
	c, err := t.st.Contact(other)
	t.mu.Unlock()
	if err != nil {
		return err
	}
	cmd := ""
	if c.State == schema.ContactState_contact || c.State == schema.ContactState_invited || c.State == schema.ContactState_invitedBy {
		cmd = CmdRemove
	}
	return t.change(ctx, other, store.Contact{Twin: other, State: schema.ContactState_blocked, Since: time.Now()}, cmd, "")
}

// Unblock forgets a block.
func (t *Twin) Unblock(ctx context.Context, other uint64) error {
	if _, err := t.expect(other, schema.ContactState_blocked, "unblock"); err != nil {
		return err
	}
	return t.change(ctx, other, store.Contact{Twin: other, State: schema.ContactState_none}, "", "")
}

// SendChat stores a chat message to another twin and hands it to the PNIC. The message's later
// states (delivered, read, refused, failed) arrive as events.
func (t *Twin) SendChat(ctx context.Context, to uint64, text string) (store.Message, error) {
	var id store.MessageID
	rand.Read(id[:])
	return t.sendChat(ctx, to, text, "", id)
}

// sendChat sends one chat message with the given id, to a circle's member when circle is set.
func (t *Twin) sendChat(ctx context.Context, to uint64, text, circle string, id store.MessageID) (store.Message, error) {
	if text == "" {
		return store.Message{}, errors.New("empty chat message")
	}
	if len(text) > MaxText {
		return store.Message{}, fmt.Errorf("chat message of %d bytes, limit %d", len(text), MaxText)
	}
	if to == t.cfg.Self {
		return store.Message{}, errors.New("a twin cannot chat with itself")
	}
	m, _, err := t.st.AddMessage(store.Message{Peer: to, ID: id, Outgoing: true, Text: text, Sent: time.Now(), State: schema.ChatState_pending, Circle: circle})
	if err != nil {
		return store.Message{}, err
	}
	body, err := encodeChat(m)
	if err != nil {
		return store.Message{}, err
	}
	e, raw, err := t.c.Seal(ctx, client.Outgoing{To: to, Command: CmdChat, Schema: schema.ChatMessage_TypeID, Body: body})
	if err == nil {
		t.inflight.Store(e.ID, outgoing{peer: to, id: id})
		err = t.c.SendRaw(ctx, raw)
	}
	if err != nil {
		if e != nil {
			t.inflight.Delete(e.ID)
		}
		m, _, _ = t.st.SetState(to, id, schema.ChatState_failed, err.Error())
		t.publishChat(m)
		return m, fmt.Errorf("chat to twin %d: %w", to, err)
	}
	if next, moved, err := t.st.SetState(to, id, schema.ChatState_sent, ""); err == nil && moved {
		m = next
	}
	t.publishChat(m)
	return m, nil
}

// History returns a page of the chat with peer: up to limit messages older than seq before (0 for
// the newest), oldest first.
func (t *Twin) History(peer, before uint64, limit int) ([]store.Message, error) {
	return t.st.History(peer, before, limit)
}

// MarkRead marks every unread message from peer read and sends the read receipts.
func (t *Twin) MarkRead(ctx context.Context, peer uint64) error {
	unread, err := t.st.Unread(peer)
	if err != nil {
		return err
	}
	for _, u := range unread {
		m, moved, err := t.st.SetState(peer, u.ID, schema.ChatState_read, "")
		if err != nil {
			return err
		}
		if !moved {
			continue
		}
		t.publishChat(m)
		body, err := encodeReceipt(u.ID, schema.ChatState_read, time.Now().UnixNano(), "")
		if err != nil {
			return err
		}
		if _, err := t.send(ctx, peer, CmdReceipt, schema.ChatReceipt_TypeID, body); err != nil {
			return err
		}
	}
	if len(unread) > 0 {
		c, err := t.st.Contact(peer)
		if err == nil {
			t.publishContact(c)
		}
	}
	return nil
}

// Ping measures the round trip to another twin.
func (t *Twin) Ping(ctx context.Context, to uint64) (time.Duration, error) {
	rtt, err := t.c.Ping(ctx, to)
	if err != nil {
		return 0, fmt.Errorf("ping twin %d: %w", to, err)
	}
	return rtt, nil
}

// FindTwin looks a twin up in the directory.
func (t *Twin) FindTwin(ctx context.Context, id uint64) (directory.Record, error) {
	return t.cfg.Directory.FindTwin(ctx, id)
}

// Status is the twin's view of its PNIC.
type Status struct {
	Twin      uint64
	Connected bool
	Address   netip.Addr
	// ChunksServed counts the file chunks this twin sent other twins since it started; a file
	// stream counts as the chunks it carried (ChunkSize bytes each).
	ChunksServed uint64
}

// Status asks the PNIC for the twin's overlay address: any answer, even a refusal (a PNIC without
// an overlay for twins), shows the PNIC is connected.
func (t *Twin) Status(ctx context.Context) Status {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	a, err := t.c.Address(ctx, 0)
	var refused *client.Error
	return Status{Twin: t.cfg.Self, Connected: err == nil || errors.As(err, &refused), Address: a, ChunksServed: uint64(t.served.Load())}
}

// Pinning returns the client of the owner's pinning node, or nil when pinning is not configured.
func (t *Twin) Pinning() *pinclient.Client { return t.cfg.Pin }
