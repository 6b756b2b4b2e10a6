package ledger

import (
	"cmp"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/freeflowuniverse/planetary/chain/token"
)

// MemoryConfig configures an in-memory ledger; zero fields take the defaults.
type MemoryConfig struct {
	Audience        string                                       // the audience tokens must name ("planetary-pin" by default)
	TwinKey         func(twin uint64) (ed25519.PublicKey, error) // looks up a twin's signing key
	Now             func() time.Time                             // the clock (time.Now)
	Grace           time.Duration                                // a node silent longer is dead and its pins move (30 s)
	DefaultReplicas int                                          // replicas of a pin without meta.replicas (2)
	PriceStorage    uint64                                       // units per GiB-month stored (1000)
	PriceServed     uint64                                       // units per GiB served (100)
	Prepaid         time.Duration                                // storage a pin's owner must be able to pay up front (30 days)
	Path            string                                       // with OpenMemory: the file the state is saved to after every change
}

// DefaultAudience is the audience pinning tokens name unless configured otherwise.
const DefaultAudience = "planetary-pin"

const gib = 1 << 30

const month = 30 * 24 * time.Hour

// Memory is a complete ledger held in memory, shared by every node that joins it: for tests, and
// for a single pind run without a chain.
type Memory struct {
	cfg MemoryConfig

	mu       sync.Mutex
	nodes    map[NodeKey]*Node
	cids     map[string]*cidState
	owners   map[uint64]*owner
	subs     map[NodeKey][]chan Allocation
	lastBill time.Time
}

type cidState struct {
	cid     string
	size    uint64
	holders []Holder
	sources map[NodeKey]bool // nodes outside the allocation that confirmed a full copy
	pins    map[uint64]*Pin  // by owner
}

type owner struct {
	balance  uint64
	served   uint64
	lastPin  time.Time
	fraction float64 // charges below one unit, carried over
}

// NewMemory returns an empty in-memory ledger.
func NewMemory(cfg MemoryConfig) *Memory {
	if cfg.Audience == "" {
		cfg.Audience = DefaultAudience
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Grace <= 0 {
		cfg.Grace = 30 * time.Second
	}
	if cfg.DefaultReplicas <= 0 {
		cfg.DefaultReplicas = 2
	}
	if cfg.PriceStorage == 0 {
		cfg.PriceStorage = 1000
	}
	if cfg.PriceServed == 0 {
		cfg.PriceServed = 100
	}
	if cfg.Prepaid <= 0 {
		cfg.Prepaid = month
	}
	if cfg.TwinKey == nil {
		cfg.TwinKey = func(twin uint64) (ed25519.PublicKey, error) {
			return nil, fmt.Errorf("twin %d: %w", twin, ErrNotFound)
		}
	}
	return &Memory{
		cfg:    cfg,
		nodes:  map[NodeKey]*Node{},
		cids:   map[string]*cidState{},
		owners: map[uint64]*owner{},
		subs:   map[NodeKey][]chan Allocation{},
	}
}

// Fund adds amount to an owner's balance (the chain's top-up).
func (m *Memory) Fund(twin, amount uint64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.owner(twin).balance += amount
	return m.save()
}

// Balance returns an owner's balance.
func (m *Memory) Balance(twin uint64) uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.owner(twin).balance
}

// memState is what a persistent Memory saves.
type memState struct {
	Nodes    []Node               `json:"nodes"`
	Pins     []Pin                `json:"pins"`
	Sizes    map[string]uint64    `json:"sizes"`
	Holders  map[string][]Holder  `json:"holders"`
	Sources  map[string][]NodeKey `json:"sources"`
	Owners   map[uint64]memOwner  `json:"owners"`
	LastBill time.Time            `json:"last_bill"`
}

type memOwner struct {
	Balance  uint64    `json:"balance"`
	Served   uint64    `json:"served"`
	LastPin  time.Time `json:"last_pin"`
	Fraction float64   `json:"fraction"`
}

// OpenMemory returns an in-memory ledger that saves its state to cfg.Path after every change and
// starts from what that file holds, so a single node keeps its pinset across restarts.
func OpenMemory(cfg MemoryConfig) (*Memory, error) {
	if cfg.Path == "" {
		return nil, errors.New("ledger: OpenMemory needs MemoryConfig.Path")
	}
	m := NewMemory(cfg)
	m.cfg.Path = cfg.Path
	b, err := os.ReadFile(cfg.Path)
	if errors.Is(err, os.ErrNotExist) {
		return m, nil
	}
	if err != nil {
		return nil, fmt.Errorf("ledger: %w", err)
	}
	var st memState
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("ledger: %s: %w", cfg.Path, err)
	}
	for _, n := range st.Nodes {
		n := n
		m.nodes[n.Key] = &n
	}
	for _, p := range st.Pins {
		s := m.cids[p.CID]
		if s == nil {
			s = &cidState{cid: p.CID, size: st.Sizes[p.CID], holders: st.Holders[p.CID], sources: map[NodeKey]bool{}, pins: map[uint64]*Pin{}}
			for _, k := range st.Sources[p.CID] {
				s.sources[k] = true
			}
			m.cids[p.CID] = s
		}
		p := p
		p.Holders = nil
		s.pins[p.Owner] = &p
	}
	for id, o := range st.Owners {
		m.owners[id] = &owner{balance: o.Balance, served: o.Served, lastPin: o.LastPin, fraction: o.Fraction}
	}
	m.lastBill = st.LastBill
	return m, nil
}

// save writes the state to cfg.Path (atomically, synced) when the ledger is persistent.
func (m *Memory) save() error {
	if m.cfg.Path == "" {
		return nil
	}
	st := memState{Sizes: map[string]uint64{}, Holders: map[string][]Holder{}, Sources: map[string][]NodeKey{}, Owners: map[uint64]memOwner{}, LastBill: m.lastBill}
	for _, n := range m.nodes {
		st.Nodes = append(st.Nodes, *n)
	}
	for c, s := range m.cids {
		st.Sizes[c] = s.size
		st.Holders[c] = s.holders
		for k := range s.sources {
			st.Sources[c] = append(st.Sources[c], k)
		}
		for _, p := range s.pins {
			st.Pins = append(st.Pins, *p)
		}
	}
	for id, o := range m.owners {
		st.Owners[id] = memOwner{Balance: o.balance, Served: o.served, LastPin: o.lastPin, Fraction: o.fraction}
	}
	b, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("ledger: encode state: %w", err)
	}
	tmp := m.cfg.Path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("ledger: save: %w", err)
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, m.cfg.Path)
	}
	if err != nil {
		return fmt.Errorf("ledger: save %s: %w", m.cfg.Path, err)
	}
	return nil
}

// Join registers a node (alive from now) and returns the ledger as that node sees it.
func (m *Memory) Join(n Node) Ledger {
	m.mu.Lock()
	defer m.mu.Unlock()
	n.LastSeen = m.cfg.Now()
	n.Live = true
	if n.PriceStorage == 0 {
		n.PriceStorage = m.cfg.PriceStorage
	}
	if n.PriceServed == 0 {
		n.PriceServed = m.cfg.PriceServed
	}
	m.nodes[n.Key] = &n
	m.save() // a failure shows on the next change, which returns it
	return &memNode{m: m, key: n.Key}
}

// Tick re-checks liveness now: allocations of nodes silent past the grace period move to live ones.
func (m *Memory) Tick() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reallocate()
}

func (m *Memory) owner(twin uint64) *owner {
	o := m.owners[twin]
	if o == nil {
		o = &owner{}
		m.owners[twin] = o
	}
	return o
}

func (m *Memory) live(k NodeKey) bool {
	n := m.nodes[k]
	return n != nil && m.cfg.Now().Sub(n.LastSeen) <= m.cfg.Grace
}

func (m *Memory) liveNodes() []NodeKey {
	var ks []NodeKey
	for k := range m.nodes {
		if m.live(k) {
			ks = append(ks, k)
		}
	}
	return ks
}

// rank orders nodes for a CID by rendezvous hashing, so every replica of the ledger picks the same.
func rank(cid string, ks []NodeKey) []NodeKey {
	score := func(k NodeKey) [32]byte { return sha256.Sum256(append([]byte(cid), k[:]...)) }
	out := slices.Clone(ks)
	slices.SortFunc(out, func(a, b NodeKey) int {
		sa, sb := score(a), score(b)
		return strings.Compare(string(sa[:]), string(sb[:]))
	})
	return out
}

func (s *cidState) replicas() int {
	r := 0
	for _, p := range s.pins {
		r = max(r, p.Replicas)
	}
	return r
}

func (s *cidState) holds(k NodeKey) (int, bool) {
	for i, h := range s.holders {
		if h.Node == k {
			return i, true
		}
	}
	return -1, false
}

// from lists the nodes that store a full copy of s.
func (m *Memory) from(s *cidState) []NodeKey {
	var ks []NodeKey
	for _, h := range s.holders {
		if h.State == Held && m.live(h.Node) {
			ks = append(ks, h.Node)
		}
	}
	for _, k := range slices.SortedFunc(maps.Keys(s.sources), func(a, b NodeKey) int { return strings.Compare(string(a[:]), string(b[:])) }) {
		if m.live(k) {
			ks = append(ks, k)
		}
	}
	return ks
}

// fill allocates s to live nodes until it has as many live holders as its replicas, and tells
// every allocated node that has not confirmed yet (once some copy exists to fetch from).
func (m *Memory) fill(s *cidState) {
	want := min(s.replicas(), max(1, len(m.liveNodes())))
	var kept []Holder
	for _, h := range s.holders {
		if m.live(h.Node) {
			kept = append(kept, h)
		}
	}
	s.holders = kept
	for _, k := range rank(s.cid, m.liveNodes()) {
		if len(s.holders) >= want {
			break
		}
		if _, ok := s.holds(k); !ok {
			s.holders = append(s.holders, Holder{Node: k, State: Allocated})
		}
	}
	m.announce(s)
}

func (m *Memory) announce(s *cidState) {
	from := m.from(s)
	if len(from) == 0 {
		return
	}
	for _, h := range s.holders {
		if h.State != Held {
			m.send(h.Node, Allocation{CID: s.cid, Size: s.size, Hold: true, From: from})
		}
	}
	if held := len(m.heldLive(s)); held >= min(s.replicas(), len(s.holders)) {
		for k := range s.sources {
			if _, ok := s.holds(k); !ok {
				m.send(k, Allocation{CID: s.cid, Size: s.size, Hold: false})
				delete(s.sources, k)
			}
		}
	}
}

func (m *Memory) heldLive(s *cidState) []NodeKey {
	var ks []NodeKey
	for _, h := range s.holders {
		if h.State == Held && m.live(h.Node) {
			ks = append(ks, h.Node)
		}
	}
	return ks
}

func (m *Memory) reallocate() {
	for _, s := range m.cids {
		m.fill(s)
	}
}

func (m *Memory) send(k NodeKey, a Allocation) {
	for _, ch := range m.subs[k] {
		select {
		case ch <- a:
		default:
			// A subscriber that does not keep up loses the stream; it resubscribes and gets the full set.
			close(ch)
			m.subs[k] = slices.DeleteFunc(m.subs[k], func(c chan Allocation) bool { return c == ch })
		}
	}
}

// bill charges every owner for storage since the last bill.
func (m *Memory) bill() {
	now := m.cfg.Now()
	if m.lastBill.IsZero() {
		m.lastBill = now
		return
	}
	elapsed := now.Sub(m.lastBill)
	m.lastBill = now
	if elapsed <= 0 {
		return
	}
	for twin, o := range m.owners {
		stored := m.stored(twin)
		if stored == 0 {
			continue
		}
		o.fraction += float64(stored) / gib * float64(m.cfg.PriceStorage) * float64(elapsed) / float64(month)
		m.charge(o)
	}
}

func (m *Memory) charge(o *owner) {
	units := uint64(o.fraction)
	o.fraction -= float64(units)
	o.balance -= min(o.balance, units)
}

func (m *Memory) stored(twin uint64) uint64 {
	var n uint64
	for _, s := range m.cids {
		if p := s.pins[twin]; p != nil {
			n += s.size * uint64(p.Replicas)
		}
	}
	return n
}

func (m *Memory) snapshot(s *cidState, p *Pin) Pin {
	out := *p
	out.Meta = maps.Clone(p.Meta)
	out.Size = s.size
	out.Holders = slices.Clone(s.holders)
	return out
}

// memNode is one node's view of a Memory.
type memNode struct {
	m   *Memory
	key NodeKey
}

var _ Ledger = (*memNode)(nil)

func (l *memNode) Owner(ctx context.Context, tok string) (uint64, error) {
	t, err := token.Parse(tok)
	if err != nil {
		return 0, fmt.Errorf("%w: %v", ErrUnauthorized, err)
	}
	key, err := l.m.cfg.TwinKey(t.Twin)
	if err != nil {
		return 0, fmt.Errorf("%w: twin %d: %v", ErrUnauthorized, t.Twin, err)
	}
	if err := t.Verify(key, l.m.cfg.Audience, l.m.cfg.Now(), time.Minute); err != nil {
		return 0, fmt.Errorf("%w: %v", ErrUnauthorized, err)
	}
	return t.Twin, nil
}

func (l *memNode) Pin(ctx context.Context, r Request) (Pin, error) {
	twin, err := l.Owner(ctx, r.Token)
	if err != nil {
		return Pin{}, err
	}
	if r.CID == "" {
		return Pin{}, fmt.Errorf("%w: empty CID", ErrInvalid)
	}
	if r.Replicas < 0 {
		return Pin{}, fmt.Errorf("%w: replicas %d", ErrInvalid, r.Replicas)
	}
	m := l.m
	m.mu.Lock()
	defer m.mu.Unlock()
	m.bill()
	replicas := cmp.Or(r.Replicas, m.cfg.DefaultReplicas)
	replicas = min(replicas, max(1, len(m.nodes)))
	o := m.owner(twin)
	s := m.cids[r.CID]
	size := r.Size
	if s != nil {
		size = max(size, s.size)
	}
	cost := float64(size*uint64(replicas)) / gib * float64(m.cfg.PriceStorage) * float64(m.cfg.Prepaid) / float64(month)
	if o.balance == 0 || float64(o.balance) < cost {
		return Pin{}, fmt.Errorf("%w: balance %d, pinning %d bytes × %d replicas needs %.0f up front", ErrInsufficientFunds, o.balance, size, replicas, cost)
	}
	if s == nil {
		s = &cidState{cid: r.CID, sources: map[NodeKey]bool{}, pins: map[uint64]*Pin{}}
		m.cids[r.CID] = s
	}
	s.size = size
	p := s.pins[twin]
	if p == nil {
		created := m.cfg.Now().UTC()
		if !created.After(o.lastPin) {
			created = o.lastPin.Add(time.Microsecond)
		}
		o.lastPin = created
		p = &Pin{Owner: twin, CID: r.CID, Created: created, RequestID: r.CID}
		s.pins[twin] = p
	}
	p.Name, p.Meta, p.Replicas = r.Name, maps.Clone(r.Meta), replicas
	m.fill(s)
	if err := m.save(); err != nil {
		return Pin{}, err
	}
	return m.snapshot(s, p), nil
}

func (l *memNode) Unpin(ctx context.Context, tok, cid string) error {
	twin, err := l.Owner(ctx, tok)
	if err != nil {
		return err
	}
	m := l.m
	m.mu.Lock()
	defer m.mu.Unlock()
	m.bill()
	s := m.cids[cid]
	if s == nil || s.pins[twin] == nil {
		return fmt.Errorf("pin of %s by twin %d: %w", cid, twin, ErrNotFound)
	}
	delete(s.pins, twin)
	if len(s.pins) > 0 {
		m.fill(s)
		return m.save()
	}
	delete(m.cids, cid)
	for _, h := range s.holders {
		m.send(h.Node, Allocation{CID: cid, Size: s.size, Hold: false})
	}
	for k := range s.sources {
		m.send(k, Allocation{CID: cid, Size: s.size, Hold: false})
	}
	return m.save()
}

func (l *memNode) Get(ctx context.Context, twin uint64, cid string) (Pin, error) {
	m := l.m
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.cids[cid]
	if s == nil || s.pins[twin] == nil {
		return Pin{}, fmt.Errorf("pin of %s by twin %d: %w", cid, twin, ErrNotFound)
	}
	return m.snapshot(s, s.pins[twin]), nil
}

func (l *memNode) List(ctx context.Context, twin uint64, q Query) ([]Pin, int, error) {
	if q.Limit < 0 || q.Limit > 1000 {
		return nil, 0, fmt.Errorf("%w: limit %d", ErrInvalid, q.Limit)
	}
	m := l.m
	m.mu.Lock()
	defer m.mu.Unlock()
	var all []Pin
	for _, s := range m.cids {
		p := s.pins[twin]
		if p == nil {
			continue
		}
		if len(q.CIDs) > 0 && !slices.Contains(q.CIDs, p.CID) {
			continue
		}
		if q.Name != "" && p.Name != q.Name {
			continue
		}
		if !q.Before.IsZero() && !p.Created.Before(q.Before) {
			continue
		}
		if !q.After.IsZero() && !p.Created.After(q.After) {
			continue
		}
		all = append(all, m.snapshot(s, p))
	}
	slices.SortFunc(all, func(a, b Pin) int { return b.Created.Compare(a.Created) })
	total := len(all)
	if q.Limit > 0 && len(all) > q.Limit {
		all = all[:q.Limit]
	}
	return all, total, nil
}

func (l *memNode) Confirm(ctx context.Context, cid string) error {
	m := l.m
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.cids[cid]
	if s == nil {
		return fmt.Errorf("confirm %s: %w", cid, ErrNotFound)
	}
	if i, ok := s.holds(l.key); ok {
		s.holders[i].State = Held
	} else {
		s.sources[l.key] = true
	}
	m.announce(s)
	return m.save()
}

func (l *memNode) Allocations(ctx context.Context) (<-chan Allocation, error) {
	m := l.m
	m.mu.Lock()
	defer m.mu.Unlock()
	ch := make(chan Allocation, 4096)
	for _, s := range m.cids {
		from := m.from(s)
		if _, ok := s.holds(l.key); ok && len(from) > 0 {
			ch <- Allocation{CID: s.cid, Size: s.size, Hold: true, From: from}
			if len(ch) == cap(ch) {
				break
			}
		}
	}
	m.subs[l.key] = append(m.subs[l.key], ch)
	go func() {
		<-ctx.Done()
		m.mu.Lock()
		defer m.mu.Unlock()
		if i := slices.Index(m.subs[l.key], ch); i >= 0 {
			m.subs[l.key] = slices.Delete(m.subs[l.key], i, i+1)
			close(ch)
		}
	}()
	return ch, nil
}

func (l *memNode) Nodes(ctx context.Context) ([]Node, error) {
	m := l.m
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Node
	for k, n := range m.nodes {
		c := *n
		c.Live = m.live(k)
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Node) int { return cmp.Compare(a.Name, b.Name) })
	return out, nil
}

func (l *memNode) Heartbeat(ctx context.Context, served map[uint64]uint64) error {
	m := l.m
	m.mu.Lock()
	defer m.mu.Unlock()
	n := m.nodes[l.key]
	if n == nil {
		return errors.New("heartbeat: node not registered")
	}
	n.LastSeen = m.cfg.Now()
	m.bill()
	for twin, b := range served {
		o := m.owner(twin)
		o.served += b
		o.fraction += float64(b) / gib * float64(m.cfg.PriceServed)
		m.charge(o)
	}
	m.reallocate()
	return nil
}

func (l *memNode) Account(ctx context.Context, twin uint64) (Account, error) {
	m := l.m
	m.mu.Lock()
	defer m.mu.Unlock()
	m.bill()
	o := m.owner(twin)
	return Account{
		Balance:      o.balance,
		StoredBytes:  m.stored(twin),
		ServedBytes:  o.served,
		PriceStorage: m.cfg.PriceStorage,
		PriceServed:  m.cfg.PriceServed,
	}, nil
}

func (l *memNode) TwinKey(ctx context.Context, twin uint64) (ed25519.PublicKey, error) {
	return l.m.cfg.TwinKey(twin)
}
