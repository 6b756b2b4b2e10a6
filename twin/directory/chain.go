package directory

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/freeflowuniverse/planetary/chain"
	chainclient "github.com/freeflowuniverse/planetary/chain/client"
)

// Chain is a Directory on the chain: lookups are proven against light-client-verified headers and
// cached until the chain reports a change; registrations, updates and audit events are
// transactions signed by the owner's account. Circles stay in a local file for now (the chain's
// circles are numbered, the twin's are named).
type Chain struct {
	c       *chainclient.Client
	owner   *chainclient.Signer
	circles *File
}

// NewChain returns a Directory on the chain reached through c, writing as the account owner and
// keeping circles in the file directory circles.
func NewChain(c *chainclient.Client, owner ed25519.PrivateKey, circles *File) *Chain {
	return &Chain{c: c, owner: chainclient.NewSigner(owner), circles: circles}
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
	res, err := d.c.Submit(ctx, d.owner, m)
	if err != nil {
		return 0, fmt.Errorf("directory: register on the chain: %w", err)
	}
	for _, ev := range res.Events {
		if ev.Type != "twin" {
			continue
		}
		for _, a := range ev.Attributes {
			if a.Key == "id" {
				if id, err := strconv.ParseUint(a.Value, 10, 64); err == nil {
					return id, nil
				}
			}
		}
	}
	return 0, errors.New("directory: the chain's registration named no twin id")
}

// Update changes the twin's hosting PNIC and location on the chain.
func (d *Chain) Update(ctx context.Context, r Record) error {
	m := &chain.UpdateTwin{ID: r.ID, Loc: chainLocation(r.Location)}
	copy(m.PNIC[:], r.PNIC)
	if _, err := d.c.Submit(ctx, d.owner, m); err != nil {
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

// SetCircle replaces the members of one of the twin's circles (kept in the local file).
func (d *Chain) SetCircle(ctx context.Context, twin uint64, circle string, members []uint64) error {
	return d.circles.SetCircle(ctx, twin, circle, members)
}

// Circle returns the members of one of the twin's circles (kept in the local file).
func (d *Chain) Circle(ctx context.Context, twin uint64, circle string) ([]uint64, error) {
	return d.circles.Circle(ctx, twin, circle)
}

// AppendAudit records the event in the twin's audit log on the chain.
func (d *Chain) AppendAudit(ctx context.Context, e AuditEvent) error {
	if _, err := d.c.Submit(ctx, d.owner, &chain.ReportAudit{Twin: e.Twin, Event: e.Action, Detail: e.Detail}); err != nil {
		return fmt.Errorf("directory: audit on the chain: %w", err)
	}
	return nil
}
