package chain

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtcrypto "github.com/cometbft/cometbft/api/cometbft/crypto/v1"
	"github.com/cosmos/iavl"
)

// Transaction kinds of governance and KYC (60–79).
const (
	KindPropose   Kind = 60
	KindVote      Kind = 61
	KindAttestKYC Kind = 62
	KindRevokeKYC Kind = 63
)

// Key prefixes of governance and KYC; see the package documentation.
const (
	prefixParam        = 0x70 // | name → u64
	prefixKYCProvider  = 0x71 // | account(32) → 1 | label
	prefixProposal     = 0x72 // | proposal id(8) → Proposal
	prefixVote         = 0x73 // | proposal id(8) | twin id(8) → choice(1)
	prefixProposalEnd  = 0x74 // | end height(8) | proposal id(8) → 1, open proposals by end
	prefixKYC          = 0x75 // | twin id(8) | provider(32) → KYC
	prefixKYCExpiry    = 0x76 // | expiry(8) | twin id(8) | provider(32) → 1, valid records by expiry
	prefixGovMeta      = 0x7F // | name → value
	paramNameMaxLength = 64
)

// metaNextProposal is the proposal id counter.
var metaNextProposal = append([]byte{prefixGovMeta}, "next_proposal"...)

// Names of the parameters the chain itself reads; any other well-formed name may be set too, for
// other parts of the system to read (e.g. pin.price.storage).
const (
	ParamFaucetMax       = "faucet.max"               // most one Faucet tx credits; 0 turns the faucet off
	ParamQuorum          = "dao.quorum"               // votes (yes, no and abstain) a proposal needs
	ParamThreshold       = "dao.threshold"            // per mille of yes among yes+no a proposal must exceed
	ParamPeriod          = "dao.period"               // voting period in blocks
	ParamDeposit         = "dao.deposit"              // what a proposer pays the treasury
	ParamVoteKYCLevel    = "dao.vote_kyc_level"       // KYC level a twin needs to vote; 0: any twin
	ParamRelocationGrace = "relocation.grace_seconds" // how long a relocated twin's old PNIC may still answer
)

// DefaultParams are the parameters a genesis starts with unless its params say otherwise.
func DefaultParams() map[string]uint64 {
	return map[string]uint64{
		ParamFaucetMax:       0,
		ParamQuorum:          3,
		ParamThreshold:       500,
		ParamPeriod:          1000,
		ParamDeposit:         0,
		ParamVoteKYCLevel:    0,
		ParamRelocationGrace: 86400,
	}
}

// TreasuryAccount is the community treasury: an account no key signs for, which only a passed
// Spend proposal pays out of; anyone may fund it with a Transfer.
var TreasuryAccount = sha256Sum([]byte("planetary/treasury"))

// ParamKey is the state key of a parameter.
func ParamKey(name string) []byte { return keyOf(prefixParam, []byte(name)) }

// present is the value of index entries: never empty, since ICS23 proves no empty value (nor,
// then, the absence of the keys beside one).
var present = []byte{1}

// ProviderValue is the stored value of a KYC provider entry: 1 | label, never empty.
func ProviderValue(label string) []byte { return append([]byte{1}, label...) }

// KYCProviderKey is the state key recording that account may attest KYC.
func KYCProviderKey(acct [32]byte) []byte { return keyOf(prefixKYCProvider, acct[:]) }

// AuditNextKey is the state key of a twin's next audit sequence (one past its newest event).
func AuditNextKey(twin uint64) []byte { return keyOf(prefixAuditNext, be64(twin)) }

// ProposalKey is the state key of a proposal.
func ProposalKey(id uint64) []byte { return keyOf(prefixProposal, be64(id)) }

// VoteKey is the state key of twin's vote on proposal.
func VoteKey(proposal, twin uint64) []byte { return keyOf(prefixVote, be64(proposal), be64(twin)) }

func proposalEndKey(end int64, id uint64) []byte {
	return keyOf(prefixProposalEnd, be64(uint64(end)), be64(id))
}

// Action is what a proposal does when it passes.
type Action uint8

// Proposal actions; the numbers are part of the wire format.
const (
	ActionSetParam          Action = 1 // set parameter Param to Value
	ActionSpend             Action = 2 // pay Value from the treasury to Account
	ActionAddKYCProvider    Action = 3 // allow Account to attest KYC, labelled Param
	ActionRemoveKYCProvider Action = 4 // stop Account attesting KYC
	ActionRevokeKYC         Action = 5 // revoke the attestation Account made for Twin
)

// Change is a proposal's effect. Each action uses only the fields its comment names; the others
// must be zero, so each change has exactly one encoding.
type Change struct {
	Action  Action   `json:"action"`
	Param   string   `json:"param,omitempty"`
	Value   uint64   `json:"value,omitempty"`
	Account [32]byte `json:"account"`
	Twin    uint64   `json:"twin,omitempty"`
}

func (c *Change) encode(e *enc) {
	e.u8(uint8(c.Action))
	e.str(c.Param)
	e.u64(c.Value)
	e.key(c.Account)
	e.u64(c.Twin)
}

func (c *Change) decode(d *dec) {
	c.Action, c.Param, c.Value, c.Account, c.Twin = Action(d.u8()), d.str(), d.u64(), d.key(), d.u64()
}

// Propose opens a proposal made by twin Twin, which the signer must own; the signer pays the
// dao.deposit parameter to the treasury.
type Propose struct {
	Twin   uint64
	Title  string
	Change Change
}

// VoteChoice is a twin's answer to a proposal.
type VoteChoice uint8

// Vote choices; abstentions count towards the quorum only.
const (
	VoteYes     VoteChoice = 1
	VoteNo      VoteChoice = 2
	VoteAbstain VoteChoice = 3
)

// Vote casts twin Twin's one vote on Proposal; the signer must own the twin.
type Vote struct {
	Proposal uint64
	Twin     uint64
	Choice   VoteChoice
}

func (m *Propose) Kind() Kind { return KindPropose }
func (m *Vote) Kind() Kind    { return KindVote }
func (m *Propose) encode(e *enc) {
	e.u64(m.Twin)
	e.str(m.Title)
	m.Change.encode(e)
}
func (m *Propose) decode(d *dec) {
	m.Twin, m.Title = d.u64(), d.str()
	m.Change.decode(d)
}
func (m *Vote) encode(e *enc) { e.u64(m.Proposal); e.u64(m.Twin); e.u8(uint8(m.Choice)) }
func (m *Vote) decode(d *dec) { m.Proposal, m.Twin, m.Choice = d.u64(), d.u64(), VoteChoice(d.u8()) }

// ProposalStatus is where a proposal stands.
type ProposalStatus uint8

// Proposal states: open until the end of its period, then rejected, executed or failed.
const (
	ProposalOpen     ProposalStatus = 1
	ProposalRejected ProposalStatus = 2 // quorum or threshold not met
	ProposalExecuted ProposalStatus = 3 // passed and its change applied
	ProposalFailed   ProposalStatus = 4 // passed, but its change could not be applied (see Result)
)

func (s ProposalStatus) String() string {
	switch s {
	case ProposalOpen:
		return "open"
	case ProposalRejected:
		return "rejected"
	case ProposalExecuted:
		return "executed"
	case ProposalFailed:
		return "failed"
	}
	return fmt.Sprintf("status(%d)", uint8(s))
}

// Proposal is a governance proposal with its rules, copied from the parameters when it was
// made, and its running tally.
type Proposal struct {
	ID        uint64         `json:"id"`
	Twin      uint64         `json:"twin"`
	Proposer  [32]byte       `json:"proposer"`
	Title     string         `json:"title"`
	Change    Change         `json:"change"`
	Created   int64          `json:"created"`    // height of the block that opened it
	End       int64          `json:"end"`        // last height that takes votes; tallied at the end of that block
	Quorum    uint64         `json:"quorum"`     // votes needed
	Threshold uint64         `json:"threshold"`  // per mille of yes among yes+no to exceed
	KYCLevel  uint64         `json:"kyc_level"`  // KYC level a voter needs; 0: any twin
	MaxTwin   uint64         `json:"max_twin"`   // twins with a lower id (registered before it) may vote
	Yes       uint64         `json:"yes"`        // tally
	No        uint64         `json:"no"`         // tally
	Abstain   uint64         `json:"abstain"`    // tally
	Status    ProposalStatus `json:"status"`     // open, rejected, executed or failed
	Result    string         `json:"result"`     // why it was rejected or failed
	Decided   int64          `json:"decided_at"` // height it was decided at; 0 while open
}

// Encode returns the stored form of the proposal.
func (p Proposal) Encode() []byte {
	e := enc{}
	e.u64(p.ID)
	e.u64(p.Twin)
	e.key(p.Proposer)
	e.str(p.Title)
	p.Change.encode(&e)
	e.u64(uint64(p.Created))
	e.u64(uint64(p.End))
	e.u64(p.Quorum)
	e.u64(p.Threshold)
	e.u64(p.KYCLevel)
	e.u64(p.MaxTwin)
	e.u64(p.Yes)
	e.u64(p.No)
	e.u64(p.Abstain)
	e.u8(uint8(p.Status))
	e.str(p.Result)
	e.u64(uint64(p.Decided))
	return e.b
}

// DecodeProposal parses a stored proposal.
func DecodeProposal(b []byte) (p Proposal, err error) {
	d := dec{b: b}
	p.ID, p.Twin, p.Proposer, p.Title = d.u64(), d.u64(), d.key(), d.str()
	p.Change.decode(&d)
	p.Created, p.End = int64(d.u64()), int64(d.u64())
	p.Quorum, p.Threshold, p.KYCLevel, p.MaxTwin = d.u64(), d.u64(), d.u64(), d.u64()
	p.Yes, p.No, p.Abstain = d.u64(), d.u64(), d.u64()
	p.Status, p.Result, p.Decided = ProposalStatus(d.u8()), d.str(), int64(d.u64())
	return p, d.end("proposal")
}

// Passed reports whether the tally meets the proposal's quorum and threshold, and if not, why.
func (p Proposal) Passed() (bool, string) {
	votes := p.Yes + p.No + p.Abstain
	if votes < p.Quorum {
		return false, fmt.Sprintf("quorum not met: %d votes of %d needed", votes, p.Quorum)
	}
	if p.Yes == 0 || p.Yes*1000 <= p.Threshold*(p.Yes+p.No) {
		return false, fmt.Sprintf("threshold not met: %d yes, %d no, more than %d‰ yes needed", p.Yes, p.No, p.Threshold)
	}
	return true, ""
}

// validParamName accepts 1 to 64 bytes of a-z, 0-9, '.', '_' and '-'.
func validParamName(n string) error {
	if len(n) == 0 || len(n) > paramNameMaxLength {
		return refuse(CodeInvalid, "parameter name: want 1 to %d bytes, got %d", paramNameMaxLength, len(n))
	}
	for _, c := range []byte(n) {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			return refuse(CodeInvalid, "parameter name %q: only a-z, 0-9, '.', '-' and '_'", n)
		}
	}
	return nil
}

// validParam checks a parameter's name and, for those the chain reads, its range.
func validParam(name string, v uint64) error {
	if err := validParamName(name); err != nil {
		return err
	}
	bad := false
	switch name {
	case ParamQuorum:
		bad = v < 1
	case ParamThreshold:
		bad = v > 999
	case ParamPeriod:
		bad = v < 1 || v > 100_000_000
	case ParamVoteKYCLevel:
		bad = v > 255
	}
	if bad {
		return refuse(CodeInvalid, "parameter %s = %d is out of range", name, v)
	}
	return nil
}

// param reads a parameter; one never set reads as its default (0 for names the chain does not know).
func (o *overlay) param(name string) (uint64, error) {
	v, err := o.get(ParamKey(name))
	if err != nil {
		return 0, refuse(CodeInternal, "read parameter %s: %w", name, err)
	}
	if v == nil {
		return DefaultParams()[name], nil
	}
	n, err := decodeU64(v)
	if err != nil {
		return 0, refuse(CodeInternal, "parameter %s: %w", name, err)
	}
	return n, nil
}

// initGovernance writes the genesis parameters (defaults overridden by the genesis), the
// treasury's opening balance and the genesis KYC providers, in a fixed order.
func initGovernance(o *overlay, g Genesis) error {
	params := DefaultParams()
	params[ParamFaucetMax] = g.FaucetMax
	maps.Copy(params, g.Params)
	for _, name := range slices.Sorted(maps.Keys(params)) {
		o.put(ParamKey(name), be64(params[name]))
	}
	if g.Treasury > 0 {
		acct, err := o.account(TreasuryAccount)
		if err != nil {
			return err
		}
		acct.Balance += g.Treasury
		o.putAccount(TreasuryAccount, acct)
	}
	for _, p := range g.KYCProviders {
		k, _ := ParseAccount(p.Address)
		o.put(KYCProviderKey(k), ProviderValue(p.Label))
	}
	return nil
}

// validateGovernance checks the governance part of a genesis.
func validateGovernance(g Genesis) error {
	for name, v := range g.Params {
		if err := validParam(name, v); err != nil {
			return fmt.Errorf("genesis params: %w", err)
		}
	}
	for _, p := range g.KYCProviders {
		if _, err := ParseAccount(p.Address); err != nil {
			return fmt.Errorf("genesis kyc provider: %w", err)
		}
		if err := validText("kyc provider label", p.Label, 0, 64); err != nil {
			return fmt.Errorf("genesis kyc provider: %w", err)
		}
	}
	return nil
}

func (o *overlay) proposal(id uint64) (Proposal, error) {
	v, err := o.get(ProposalKey(id))
	if err != nil {
		return Proposal{}, refuse(CodeInternal, "read proposal %d: %w", id, err)
	}
	if v == nil {
		return Proposal{}, refuse(CodeNotFound, "unknown proposal %d", id)
	}
	p, err := DecodeProposal(v)
	if err != nil {
		return Proposal{}, refuse(CodeInternal, "%w", err)
	}
	return p, nil
}

func (o *overlay) isProvider(acct [32]byte) (bool, error) {
	v, err := o.get(KYCProviderKey(acct))
	if err != nil {
		return false, refuse(CodeInternal, "read kyc provider: %w", err)
	}
	return v != nil, nil
}

// validChange checks a change when it is proposed: its fields, and that what it acts on exists.
func validChange(o *overlay, c Change) error {
	unused := func(param, value, account, twin bool) error {
		if !param && c.Param != "" || !value && c.Value != 0 || !account && c.Account != [32]byte{} || !twin && c.Twin != 0 {
			return refuse(CodeInvalid, "action %d: a field it does not use is set", c.Action)
		}
		return nil
	}
	switch c.Action {
	case ActionSetParam:
		if err := unused(true, true, false, false); err != nil {
			return err
		}
		return validParam(c.Param, c.Value)
	case ActionSpend:
		if err := unused(false, true, true, false); err != nil {
			return err
		}
		if c.Value == 0 || c.Account == TreasuryAccount {
			return refuse(CodeInvalid, "spend: want a positive amount to an account other than the treasury")
		}
		return nil
	case ActionAddKYCProvider:
		if err := unused(true, false, true, false); err != nil {
			return err
		}
		return validText("kyc provider label", c.Param, 0, 64)
	case ActionRemoveKYCProvider:
		if err := unused(false, false, true, false); err != nil {
			return err
		}
		if ok, err := o.isProvider(c.Account); err != nil {
			return err
		} else if !ok {
			return refuse(CodeNotFound, "account %x is not a kyc provider", c.Account[:8])
		}
		return nil
	case ActionRevokeKYC:
		if err := unused(false, false, true, true); err != nil {
			return err
		}
		k, err := o.kyc(c.Twin, c.Account)
		if err != nil {
			return err
		}
		if k.Status != KYCValid {
			return refuse(CodeConflict, "the attestation of twin %d by %x is already %s", c.Twin, c.Account[:8], k.Status)
		}
		return nil
	}
	return refuse(CodeInvalid, "unknown proposal action %d", c.Action)
}

// applyChange carries out a passed proposal's change; a refusal leaves the proposal failed.
func applyChange(o *overlay, c Change) error {
	switch c.Action {
	case ActionSetParam:
		if err := validParam(c.Param, c.Value); err != nil {
			return err
		}
		o.put(ParamKey(c.Param), be64(c.Value))
		o.event("param", "name", c.Param, "value", u(c.Value))
		return nil
	case ActionSpend:
		return move(o, TreasuryAccount, c.Account, c.Value)
	case ActionAddKYCProvider:
		o.put(KYCProviderKey(c.Account), ProviderValue(c.Param))
		o.event("kyc_provider", "account", hex.EncodeToString(c.Account[:]), "action", "add")
		return nil
	case ActionRemoveKYCProvider:
		if ok, err := o.isProvider(c.Account); err != nil {
			return err
		} else if !ok {
			return refuse(CodeNotFound, "account %x is no longer a kyc provider", c.Account[:8])
		}
		o.del(KYCProviderKey(c.Account))
		o.event("kyc_provider", "account", hex.EncodeToString(c.Account[:]), "action", "remove")
		return nil
	case ActionRevokeKYC:
		return revokeKYC(o, c.Twin, c.Account, "governance")
	}
	return refuse(CodeInvalid, "unknown proposal action %d", c.Action)
}

func propose(o *overlay, signer [32]byte, m *Propose) error {
	if _, err := o.ownedTwin(m.Twin, signer); err != nil {
		return err
	}
	if err := validText("proposal title", m.Title, 1, 256); err != nil {
		return err
	}
	if err := validChange(o, m.Change); err != nil {
		return err
	}
	var rules [5]uint64
	for i, name := range []string{ParamQuorum, ParamThreshold, ParamPeriod, ParamDeposit, ParamVoteKYCLevel} {
		v, err := o.param(name)
		if err != nil {
			return err
		}
		rules[i] = v
	}
	if rules[3] > 0 {
		if err := move(o, signer, TreasuryAccount, rules[3]); err != nil {
			return err
		}
	}
	next, err := o.u64(metaNextTwin)
	if err != nil {
		return err
	}
	id, err := o.next(metaNextProposal)
	if err != nil {
		return err
	}
	p := Proposal{ID: id, Twin: m.Twin, Proposer: signer, Title: m.Title, Change: m.Change,
		Created: o.height, End: o.height + int64(rules[2]), Quorum: rules[0], Threshold: rules[1],
		KYCLevel: rules[4], MaxTwin: max(next, 1), Status: ProposalOpen}
	o.put(ProposalKey(id), p.Encode())
	o.put(proposalEndKey(p.End, id), present)
	o.event("proposal_created", "id", u(id), "twin", u(m.Twin), "action", u(uint64(m.Change.Action)), "end", u(uint64(p.End)))
	return nil
}

func vote(o *overlay, signer [32]byte, m *Vote) error {
	p, err := o.proposal(m.Proposal)
	if err != nil {
		return err
	}
	if p.Status != ProposalOpen || o.height > p.End {
		return refuse(CodeVotingClosed, "proposal %d is %s: voting ended at height %d", p.ID, p.Status, p.End)
	}
	t, err := o.ownedTwin(m.Twin, signer)
	if err != nil {
		return err
	}
	if m.Choice < VoteYes || m.Choice > VoteAbstain {
		return refuse(CodeInvalid, "choice %d: want yes (1), no (2) or abstain (3)", m.Choice)
	}
	if v, err := o.get(VoteKey(p.ID, t.ID)); err != nil {
		return refuse(CodeInternal, "read vote: %w", err)
	} else if v != nil {
		return refuse(CodeAlreadyVoted, "twin %d already voted on proposal %d", t.ID, p.ID)
	}
	if t.ID >= p.MaxTwin {
		return refuse(CodeNotEligible, "twin %d was registered after proposal %d was made", t.ID, p.ID)
	}
	if p.KYCLevel > 0 {
		lvl, err := kycLevel(o, t.ID)
		if err != nil {
			return err
		}
		if uint64(lvl) < p.KYCLevel {
			return refuse(CodeNotEligible, "twin %d holds no valid KYC attestation of level %d or more", t.ID, p.KYCLevel)
		}
	}
	switch m.Choice {
	case VoteYes:
		p.Yes++
	case VoteNo:
		p.No++
	default:
		p.Abstain++
	}
	o.put(VoteKey(p.ID, t.ID), []byte{byte(m.Choice)})
	o.put(ProposalKey(p.ID), p.Encode())
	o.event("vote", "proposal", u(p.ID), "twin", u(t.ID), "choice", u(uint64(m.Choice)))
	return nil
}

// endBlock runs at the end of every block, after its txs: it expires KYC attestations whose
// time has come (by the block's time) and decides every proposal whose period ends at this height,
// executing those that passed. It reports whether the faucet parameter changed.
func (a *App) endBlock(height, now int64) ([]abci.Event, bool, error) {
	var events []abci.Event
	o := newOverlay(a.tree, height)
	o.now = now
	if err := expireKYC(o); err != nil {
		return nil, false, err
	}
	if err := o.flush(); err != nil {
		return nil, false, err
	}
	events = append(events, o.events...)
	ends, err := keysInRange(a.tree, []byte{prefixProposalEnd}, proposalEndKey(height+1, 0))
	if err != nil {
		return nil, false, err
	}
	faucet := false
	for _, k := range ends {
		id := be64of(k[9:])
		o := newOverlay(a.tree, height)
		o.now = now
		p, err := o.proposal(id)
		if err != nil {
			return nil, false, err
		}
		o.del(k)
		p.Decided = height
		passed, why := p.Passed()
		var applied *overlay
		if !passed {
			p.Status, p.Result = ProposalRejected, why
		} else {
			// The change runs in its own overlay so that a refused one changes nothing.
			applied = newOverlay(a.tree, height)
			applied.now = now
			if err := applyChange(applied, p.Change); codeOf(err) == CodeInternal {
				return nil, false, err
			} else if err != nil {
				p.Status, p.Result, applied = ProposalFailed, err.Error(), nil
			} else {
				p.Status = ProposalExecuted
				faucet = faucet || p.Change.Action == ActionSetParam && p.Change.Param == ParamFaucetMax
			}
		}
		o.put(ProposalKey(id), p.Encode())
		tally := []string{"id", u(id), "yes", u(p.Yes), "no", u(p.No), "abstain", u(p.Abstain)}
		if passed {
			o.event("proposal_passed", tally...)
		} else {
			o.event("proposal_rejected", append(tally, "reason", p.Result)...)
		}
		if err := o.flush(); err != nil {
			return nil, false, err
		}
		events = append(events, o.events...)
		if applied != nil {
			if err := applied.flush(); err != nil {
				return nil, false, err
			}
			events = append(events, applied.events...)
			events = append(events, abci.Event{Type: "proposal_executed", Attributes: []abci.EventAttribute{
				{Key: "id", Value: u(id), Index: true}}})
		} else if passed {
			events = append(events, abci.Event{Type: "proposal_failed", Attributes: []abci.EventAttribute{
				{Key: "id", Value: u(id), Index: true}, {Key: "reason", Value: p.Result, Index: true}}})
		}
	}
	return events, faucet, nil
}

// keysInRange lists the keys of the tree's working state in [start, end).
func keysInRange(tree *iavl.MutableTree, start, end []byte) ([][]byte, error) {
	it, err := tree.Iterator(start, end, true)
	if err != nil {
		return nil, refuse(CodeInternal, "iterate state: %w", err)
	}
	defer it.Close()
	var keys [][]byte
	for ; it.Valid(); it.Next() {
		keys = append(keys, bytes.Clone(it.Key()))
	}
	return keys, nil
}

// queryGov answers the governance and KYC query paths.
func (a *App) queryGov(imm *iavl.ImmutableTree, res *abci.QueryResponse, parts []string, prove bool, from uint64, limit int) (*abci.QueryResponse, error) {
	arg := func(i int) string {
		if i < len(parts) {
			return parts[i]
		}
		return ""
	}
	switch {
	case len(parts) == 1 && parts[0] == "proposals":
		return a.listVia(imm, res, []byte{prefixProposal}, prove, nil, from, limit)
	case len(parts) == 2 && parts[0] == "proposal":
		id, err := parseID(arg(1))
		if err != nil {
			return res, err
		}
		return a.single(imm, res, ProposalKey(id), prove)
	case len(parts) == 3 && parts[0] == "proposal" && parts[2] == "votes":
		id, err := parseID(arg(1))
		if err != nil {
			return res, err
		}
		return a.listVia(imm, res, keyOf(prefixVote, be64(id)), prove, nil, from, limit)
	case len(parts) == 3 && parts[0] == "vote":
		p, err1 := parseID(arg(1))
		t, err2 := parseID(arg(2))
		if err1 != nil || err2 != nil {
			return res, refuse(CodeInvalid, "vote/<proposal id>/<twin id>")
		}
		return a.single(imm, res, VoteKey(p, t), prove)
	case len(parts) == 1 && parts[0] == "params":
		return a.listNamed(imm, res, []byte{prefixParam}, prove)
	case len(parts) == 2 && parts[0] == "param":
		return a.single(imm, res, ParamKey(arg(1)), prove)
	case len(parts) == 2 && parts[0] == "kyc" && parts[1] == "providers":
		return a.listNamed(imm, res, []byte{prefixKYCProvider}, prove)
	case len(parts) == 2 && parts[0] == "kyc":
		id, err := parseID(arg(1))
		if err != nil {
			return res, err
		}
		return a.listVia(imm, res, keyOf(prefixKYC, be64(id)), prove, nil, 0, maxListLimit)
	}
	return res, refuse(CodeInvalid, "unknown query path %q", parts)
}

// listNamed lists every entry under prefix (at most maxListLimit), each proven.
func (a *App) listNamed(imm *iavl.ImmutableTree, res *abci.QueryResponse, prefix []byte, prove bool) (*abci.QueryResponse, error) {
	var list List
	imm.IterateRange(prefix, prefixEnd(prefix), true, func(k, v []byte) bool {
		list = append(list, Entry{Key: bytes.Clone(k), Value: bytes.Clone(v)})
		return len(list) >= maxListLimit
	})
	res.Key = prefix
	res.Value = list.Encode()
	if prove {
		res.ProofOps = &cmtcrypto.ProofOps{}
		for _, e := range list {
			op, err := proofOp(imm, e.Key)
			if err != nil {
				return res, err
			}
			res.ProofOps.Ops = append(res.ProofOps.Ops, op)
		}
	}
	return res, nil
}

// isGovQuery reports whether a query path's first part is one queryGov answers.
func isGovQuery(first string) bool {
	switch first {
	case "proposals", "proposal", "vote", "params", "param", "kyc":
		return true
	}
	return false
}

// blockTime is a block's time in unix seconds (0 for a zero time).
func blockTime(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}
