package directory

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/freeflowuniverse/planetary/chain"
	chainclient "github.com/freeflowuniverse/planetary/chain/client"
)

// Chain is a Directory on the chain: lookups are proven against light-client-verified headers and
// cached until the chain reports a change; registrations, updates, circles and audit events are
// transactions signed by the owner's account.
//
// The chain numbers circles; the twin keeps the ids of those it owns, by name, in a small index
// file that is only a cache: the chain's proven list of the twin's circles (circles/twin/<id>)
// rebuilds it when it is lost or misses a name, and drops names of circles the twin no longer owns. Members are read with
// proofs and kept for memberTTL (dropped at once when this twin changes the circle), since every
// chunk request for a file shared with a circle asks who is in it.
type Chain struct {
	c     *chainclient.Client
	owner *chainclient.Signer
	index string

	mu      sync.Mutex // serialises index edits; guards members
	members map[uint64]cachedMembers
}

type cachedMembers struct {
	twins []uint64
	at    time.Time
}

// memberTTL is how long the members of a circle read from the chain are reused.
const memberTTL = 5 * time.Second

// NewChain returns a Directory on the chain reached through c, writing as the account owner and
// remembering the twin's circles' chain ids in the file circleIndex.
func NewChain(c *chainclient.Client, owner ed25519.PrivateKey, circleIndex string) *Chain {
	return &Chain{c: c, owner: chainclient.NewSigner(owner), index: circleIndex, members: map[uint64]cachedMembers{}}
}

// chainLocation reads "City, Country" (either part may be missing).
func chainLocation(s string) chain.Location {
	city, country, ok := strings.Cut(s, ",")
	if !ok {
		return chain.Location{City: strings.TrimSpace(s)}
	}
	return chain.Location{City: strings.TrimSpace(city), Country: strings.TrimSpace(country)}
}

func locationText(l chain.Location) string {
	switch {
	case l.City != "" && l.Country != "":
		return l.City + ", " + l.Country
	case l.City != "":
		return l.City
	}
	return l.Country
}

// Register puts the twin on the chain, which assigns the next id: it must be r.ID.
func (d *Chain) Register(ctx context.Context, r Record) error {
	id, err := d.RegisterNew(ctx, r)
	if err != nil {
		return err
	}
	if id != r.ID {
		return fmt.Errorf("directory: the chain registered the twin as %d, not %d", id, r.ID)
	}
	return nil
}

// RegisterNew puts the twin on the chain and returns the id the chain assigned (r.ID is ignored).
func (d *Chain) RegisterNew(ctx context.Context, r Record) (uint64, error) {
	m := &chain.RegisterTwin{X25519: r.EncryptionKey, Loc: chainLocation(r.Location)}
	copy(m.Key[:], r.SigningKey)
	copy(m.PNIC[:], r.PNIC)
	res, err := d.send(ctx, m)
	if err != nil {
		return 0, fmt.Errorf("directory: register on the chain: %w", err)
	}
	if id, ok := eventID(res, "twin"); ok {
		return id, nil
	}
	return 0, errors.New("directory: the chain's registration named no twin id")
}

// send submits m signed by the owner.
func (d *Chain) send(ctx context.Context, m chain.Msg) (chainclient.Result, error) {
	return d.c.Submit(ctx, d.owner, m)
}

// eventID returns the id attribute of the first event of type typ in a committed tx.
func eventID(res chainclient.Result, typ string) (uint64, bool) {
	for _, ev := range res.Events {
		if ev.Type != typ {
			continue
		}
		for _, a := range ev.Attributes {
			if a.Key == "id" {
				if id, err := strconv.ParseUint(a.Value, 10, 64); err == nil {
					return id, true
				}
			}
		}
	}
	return 0, false
}

// Update changes the twin's hosting PNIC and location on the chain.
func (d *Chain) Update(ctx context.Context, r Record) error {
	m := &chain.UpdateTwin{ID: r.ID, Loc: chainLocation(r.Location)}
	copy(m.PNIC[:], r.PNIC)
	if _, err := d.send(ctx, m); err != nil {
		return fmt.Errorf("directory: update twin %d on the chain: %w", r.ID, err)
	}
	return nil
}

// FindTwin returns the twin as the chain proves it.
func (d *Chain) FindTwin(ctx context.Context, id uint64) (Record, error) {
	t, err := d.c.FindTwinByID(ctx, id)
	if errors.Is(err, chainclient.ErrNotFound) {
		return Record{}, fmt.Errorf("%w: %d", ErrNotFound, id)
	}
	if err != nil {
		return Record{}, fmt.Errorf("directory: %w", err)
	}
	return Record{ID: t.ID, SigningKey: ed25519.PublicKey(t.Key[:]), EncryptionKey: t.X25519,
		PNIC: ed25519.PublicKey(t.PNIC[:]), Location: locationText(t.Loc)}, nil
}

// loadIndex reads the circle index: "twin/name" → chain circle id.
func (d *Chain) loadIndex() (map[string]uint64, error) {
	all := map[string]uint64{}
	b, err := os.ReadFile(d.index)
	if errors.Is(err, os.ErrNotExist) {
		return all, nil
	}
	if err != nil {
		return nil, fmt.Errorf("directory: circle index: %w", err)
	}
	if err := json.Unmarshal(b, &all); err != nil {
		return nil, fmt.Errorf("directory: circle index %s: %w", d.index, err)
	}
	return all, nil
}

// synced reads the index and makes the twin's part of it what the chain proves: the circles the
// twin owns, by name (the lowest id when names repeat), writing the file back if that changed.
// The caller holds d.mu.
func (d *Chain) synced(ctx context.Context, twin uint64) (map[string]uint64, error) {
	all, err := d.loadIndex()
	if err != nil {
		return nil, err
	}
	ms, err := d.c.CirclesOfTwin(ctx, twin)
	if err != nil {
		return nil, fmt.Errorf("directory: circles of twin %d on the chain: %w", twin, err)
	}
	owned := map[uint64]bool{}
	for _, m := range ms {
		if m.Role == chain.RoleOwner {
			owned[m.Circle] = true
		}
	}
	prefix := fmt.Sprintf("%d/", twin)
	changed := false
	known := map[uint64]bool{}
	for k, id := range all {
		if !strings.HasPrefix(k, prefix) {
			continue
		}
		if !owned[id] {
			delete(all, k)
			changed = true
			continue
		}
		known[id] = true
	}
	for _, m := range ms { // in circle id order
		if !owned[m.Circle] || known[m.Circle] {
			continue
		}
		ci, err := d.c.Circle(ctx, m.Circle)
		if err != nil {
			return nil, fmt.Errorf("directory: circle %d on the chain: %w", m.Circle, err)
		}
		if _, taken := all[circleKey(twin, ci.Name)]; !taken {
			all[circleKey(twin, ci.Name)] = m.Circle
			changed = true
		}
	}
	if changed {
		if err := writeJSON(d.index, all); err != nil {
			return nil, err
		}
	}
	return all, nil
}

// circleID returns the chain id of one of the twin's circles, from the index or, when the index
// does not know the name, from the chain.
func (d *Chain) circleID(ctx context.Context, twin uint64, circle string) (uint64, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	all, err := d.loadIndex()
	if err != nil {
		return 0, err
	}
	id, ok := all[circleKey(twin, circle)]
	if ok {
		return id, nil
	}
	if all, err = d.synced(ctx, twin); err != nil {
		return 0, err
	}
	if id, ok = all[circleKey(twin, circle)]; !ok {
		return 0, fmt.Errorf("circle %q: %w", circle, ErrNoCircle)
	}
	return id, nil
}

// chainMembers returns the members of a chain circle other than its owner twin, proven, or cached.
func (d *Chain) chainMembers(ctx context.Context, twin, id uint64) ([]uint64, error) {
	d.mu.Lock()
	cm, ok := d.members[id]
	d.mu.Unlock()
	if ok && time.Since(cm.at) < memberTTL {
		return cm.twins, nil
	}
	all, err := d.c.CircleMembers(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("directory: %w", err)
	}
	var out []uint64
	for _, m := range all {
		if m.Twin != twin {
			out = append(out, m.Twin)
		}
	}
	d.mu.Lock()
	d.members[id] = cachedMembers{twins: out, at: time.Now()}
	d.mu.Unlock()
	return out, nil
}

func (d *Chain) forget(id uint64) {
	d.mu.Lock()
	delete(d.members, id)
	d.mu.Unlock()
}

// submit sends a circle transaction and drops the circle's cached members.
func (d *Chain) submit(ctx context.Context, id uint64, m chain.Msg, what string) (chainclient.Result, error) {
	defer d.forget(id)
	res, err := d.send(ctx, m)
	if err != nil {
		return res, fmt.Errorf("directory: %s on the chain: %w", what, err)
	}
	return res, nil
}

// SetCircle makes the circle on the chain hold exactly members, creating it if needed.
func (d *Chain) SetCircle(ctx context.Context, twin uint64, circle string, members []uint64) error {
	members = memberSet(twin, members)
	id, err := d.circleID(ctx, twin, circle)
	if errors.Is(err, ErrNoCircle) {
		_, err = d.CreateCircle(ctx, twin, circle, members)
		return err
	}
	if err != nil {
		return err
	}
	d.forget(id)
	have, err := d.chainMembers(ctx, twin, id)
	if err != nil {
		return err
	}
	for _, m := range members {
		if !slices.Contains(have, m) {
			if err := d.AddMember(ctx, twin, circle, m); err != nil {
				return err
			}
		}
	}
	for _, m := range have {
		if !slices.Contains(members, m) {
			if err := d.RemoveMember(ctx, twin, circle, m); err != nil {
				return err
			}
		}
	}
	return nil
}

// Circle returns the members of one of the twin's circles, from the chain.
func (d *Chain) Circle(ctx context.Context, twin uint64, circle string) ([]uint64, error) {
	id, err := d.circleID(ctx, twin, circle)
	if errors.Is(err, ErrNoCircle) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return d.chainMembers(ctx, twin, id)
}

// Circles lists the twin's circles as the chain proves them, with their members from the chain.
func (d *Chain) Circles(ctx context.Context, twin uint64) ([]Circle, error) {
	d.mu.Lock()
	all, err := d.synced(ctx, twin)
	d.mu.Unlock()
	if err != nil {
		return nil, err
	}
	prefix := fmt.Sprintf("%d/", twin)
	var out []Circle
	for k, id := range all {
		name, ok := strings.CutPrefix(k, prefix)
		if !ok {
			continue
		}
		m, err := d.chainMembers(ctx, twin, id)
		if err != nil {
			return nil, err
		}
		out = append(out, Circle{Name: name, Members: m, ChainID: id})
	}
	slices.SortFunc(out, func(a, b Circle) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// CreateCircle creates the circle on the chain, remembers its id, and adds the members.
func (d *Chain) CreateCircle(ctx context.Context, twin uint64, circle string, members []uint64) (Circle, error) {
	members = memberSet(twin, members)
	id, err := d.create(ctx, twin, circle)
	if err != nil {
		return Circle{}, err
	}
	c := Circle{Name: circle, ChainID: id}
	for _, m := range members {
		if _, err := d.submit(ctx, id, &chain.SetMember{Circle: id, Twin: twin, Member: m, Role: chain.RoleMember}, fmt.Sprintf("add twin %d to circle %q", m, circle)); err != nil {
			return c, err
		}
		c.Members = append(c.Members, m)
	}
	return c, nil
}

// create makes an empty circle on the chain and records its id in the index.
func (d *Chain) create(ctx context.Context, twin uint64, circle string) (uint64, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	all, err := d.synced(ctx, twin)
	if err != nil {
		return 0, err
	}
	if _, ok := all[circleKey(twin, circle)]; ok {
		return 0, fmt.Errorf("circle %q: %w", circle, ErrCircleExists)
	}
	res, err := d.send(ctx, &chain.CreateCircle{Twin: twin, Name: circle})
	if err != nil {
		return 0, fmt.Errorf("directory: create circle %q on the chain: %w", circle, err)
	}
	id, ok := eventID(res, "circle")
	if !ok {
		return 0, fmt.Errorf("directory: the chain's circle %q came without an id", circle)
	}
	all[circleKey(twin, circle)] = id
	return id, writeJSON(d.index, all)
}

// AddMember makes member a member of the circle on the chain.
func (d *Chain) AddMember(ctx context.Context, twin uint64, circle string, member uint64) error {
	id, err := d.circleID(ctx, twin, circle)
	if err != nil {
		return err
	}
	_, err = d.submit(ctx, id, &chain.SetMember{Circle: id, Twin: twin, Member: member, Role: chain.RoleMember}, fmt.Sprintf("add twin %d to circle %q", member, circle))
	return err
}

// RemoveMember takes member out of the circle on the chain.
func (d *Chain) RemoveMember(ctx context.Context, twin uint64, circle string, member uint64) error {
	id, err := d.circleID(ctx, twin, circle)
	if err != nil {
		return err
	}
	_, err = d.submit(ctx, id, &chain.RemoveMember{Circle: id, Twin: twin, Member: member}, fmt.Sprintf("remove twin %d from circle %q", member, circle))
	return err
}

// DeleteCircle deletes the circle on the chain and forgets its id.
func (d *Chain) DeleteCircle(ctx context.Context, twin uint64, circle string) error {
	id, err := d.circleID(ctx, twin, circle)
	if err != nil {
		return err
	}
	if _, err := d.submit(ctx, id, &chain.DeleteCircle{Circle: id, Twin: twin}, fmt.Sprintf("delete circle %q", circle)); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	all, err := d.loadIndex()
	if err != nil {
		return err
	}
	delete(all, circleKey(twin, circle))
	return writeJSON(d.index, all)
}

// AppendAudit records the event in the twin's audit log on the chain.
func (d *Chain) AppendAudit(ctx context.Context, e AuditEvent) error {
	if _, err := d.send(ctx, &chain.ReportAudit{Twin: e.Twin, Event: e.Action, Detail: e.Detail}); err != nil {
		return fmt.Errorf("directory: audit on the chain: %w", err)
	}
	return nil
}
