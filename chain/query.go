package chain

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtcrypto "github.com/cometbft/cometbft/api/cometbft/crypto/v1"
	"github.com/cosmos/iavl"
)

// ProofOpType names the proof operation the chain attaches to proven query values.
const ProofOpType = "ics23:iavl"

// maxListLimit bounds how many entries one list query returns.
const maxListLimit = 1000

// Query answers the paths documented in the package documentation; prove=true attaches one ICS23 proof per key.
func (a *App) Query(_ context.Context, req *abci.QueryRequest) (*abci.QueryResponse, error) {
	if err := a.hold(); err != nil {
		return &abci.QueryResponse{Code: codeOf(err), Log: err.Error(), Codespace: "planetary"}, nil
	}
	defer a.life.RUnlock()
	res, err := a.query(req)
	if err != nil {
		// A not-found answer keeps its key and, with prove, the proof of absence.
		return &abci.QueryResponse{Code: codeOf(err), Log: err.Error(), Codespace: "planetary", Height: res.Height,
			Key: res.Key, ProofOps: res.ProofOps}, nil
	}
	return res, nil
}

func (a *App) query(req *abci.QueryRequest) (*abci.QueryResponse, error) {
	res := &abci.QueryResponse{}
	a.mu.Lock()
	height, tree := req.Height, a.tree
	if height == 0 {
		height = a.version
	}
	a.mu.Unlock()
	res.Height = height
	if height == 0 {
		return res, refuse(CodeNotFound, "no state committed yet")
	}
	imm, err := tree.GetImmutable(height)
	if err != nil {
		return res, refuse(CodeNotFound, "state at height %d: %w", height, err)
	}
	u, err := url.Parse(req.Path)
	if err != nil {
		return res, refuse(CodeInvalid, "query path %q: %w", req.Path, err)
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	arg := func(i int) string {
		if i < len(parts) {
			return parts[i]
		}
		return ""
	}
	one := func(key []byte) (*abci.QueryResponse, error) {
		return a.single(imm, res, key, req.Prove)
	}
	from, limit, err := page(u.Query())
	if err != nil {
		return res, err
	}
	switch {
	case isGovQuery(parts[0]):
		return a.queryGov(imm, res, parts, req.Prove, from, limit)
	case len(parts) == 2 && parts[0] == "twin":
		id, err := parseID(arg(1))
		if err != nil {
			return res, err
		}
		return one(TwinKey(id))
	case len(parts) == 3 && parts[0] == "twin" && parts[2] == "epoch":
		id, err := parseID(arg(1))
		if err != nil {
			return res, err
		}
		return one(TwinEpochKey(id))
	case len(parts) == 3 && parts[0] == "twins" && parts[1] == "pnic":
		k, err := ParseAccount(arg(2))
		if err != nil {
			return res, refuse(CodeInvalid, "pnic: %w", err)
		}
		// The index values are twin ids; list the twin records themselves, each proven.
		return a.listVia(imm, res, keyOf(prefixTwinPNIC, k[:]), req.Prove, func(_, v []byte) ([]byte, error) {
			id, err := decodeU64(v)
			return TwinKey(id), err
		}, from, limit)
	case len(parts) == 2 && (parts[0] == "balance" || parts[0] == "account"):
		k, err := ParseAccount(arg(1))
		if err != nil {
			return res, refuse(CodeInvalid, "%w", err)
		}
		return one(AccountKey(k))
	case len(parts) == 3 && parts[0] == "allowance":
		o, err1 := ParseAccount(arg(1))
		s, err2 := ParseAccount(arg(2))
		if err1 != nil || err2 != nil {
			return res, refuse(CodeInvalid, "allowance/<owner hex>/<service hex>")
		}
		return one(AllowanceKey(o, s))
	case len(parts) == 2 && parts[0] == "circle":
		id, err := parseID(arg(1))
		if err != nil {
			return res, err
		}
		return one(CircleKey(id))
	case len(parts) == 3 && parts[0] == "circle" && parts[2] == "members":
		id, err := parseID(arg(1))
		if err != nil {
			return res, err
		}
		return a.listVia(imm, res, keyOf(prefixMember, be64(id)), req.Prove, nil, from, limit)
	case len(parts) == 3 && parts[0] == "circles" && parts[1] == "twin":
		id, err := parseID(arg(2))
		if err != nil {
			return res, err
		}
		// The index entries themselves: twin | circle → role, each proven.
		return a.listVia(imm, res, keyOf(prefixTwinCircle, be64(id)), req.Prove, nil, from, limit)
	case len(parts) == 3 && parts[0] == "audit" && parts[2] == "next":
		id, err := parseID(arg(1))
		if err != nil {
			return res, err
		}
		return one(AuditNextKey(id))
	case len(parts) == 2 && parts[0] == "audit":
		id, err := parseID(arg(1))
		if err != nil {
			return res, err
		}
		return a.listVia(imm, res, keyOf(prefixAudit, be64(id)), req.Prove, nil, from, limit)
	case len(parts) == 2 && parts[0] == "did":
		id, err := parseID(arg(1))
		if err != nil {
			return res, err
		}
		v, err := imm.Get(TwinKey(id))
		if err != nil || v == nil {
			return res, refuse(CodeNotFound, "unknown twin %d", id)
		}
		t, err := DecodeTwin(v)
		if err != nil {
			return res, refuse(CodeInternal, "%w", err)
		}
		// The document is derived, so it carries no proof: verify twin/<id> and derive it with DID.
		res.Key = TwinKey(id)
		res.Value, _ = json.Marshal(DIDWithKYC(t, kycOf(imm, id)))
		return res, nil
	case len(parts) == 2 && parts[0] == "name":
		return one(NameKey(arg(1)))
	case len(parts) == 3 && parts[0] == "names" && parts[1] == "twin":
		id, err := parseID(arg(2))
		if err != nil {
			return res, err
		}
		// The index keys end in the names; list the entries themselves, each proven with its signature.
		return a.listVia(imm, res, keyOf(prefixTwinName, be64(id)), req.Prove, func(k, _ []byte) ([]byte, error) {
			return NameKey(string(k[9:])), nil
		}, 0, maxListLimit)
	}
	if r, ok, err := a.queryPin(imm, res, parts, u.Query(), req.Prove, limit); ok {
		return r, err
	}
	return res, refuse(CodeInvalid, "unknown query path %q", req.Path)
}

// page reads the from= (first twin id, circle id or audit sequence) and limit= (at most maxListLimit,
// default maxListLimit) parameters of a list query.
func page(q url.Values) (from uint64, limit int, err error) {
	limit = maxListLimit
	if s := q.Get("from"); s != "" {
		if from, err = strconv.ParseUint(s, 10, 64); err != nil {
			return 0, 0, refuse(CodeInvalid, "from %q: want a decimal number", s)
		}
	}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil || n == 0 {
			return 0, 0, refuse(CodeInvalid, "limit %q: want a positive number", s)
		}
		limit = int(min(n, maxListLimit))
	}
	return from, limit, nil
}

func parseID(s string) (uint64, error) {
	id, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, refuse(CodeInvalid, "id %q: want a decimal number", s)
	}
	return id, nil
}

func proofOp(imm *iavl.ImmutableTree, key []byte) (cmtcrypto.ProofOp, error) {
	p, err := imm.GetMembershipProof(key)
	if err != nil {
		return cmtcrypto.ProofOp{}, refuse(CodeInternal, "prove key %x: %w", key, err)
	}
	b, err := p.Marshal()
	if err != nil {
		return cmtcrypto.ProofOp{}, refuse(CodeInternal, "encode proof: %w", err)
	}
	return cmtcrypto.ProofOp{Type: ProofOpType, Key: key, Data: b}, nil
}

func (a *App) single(imm *iavl.ImmutableTree, res *abci.QueryResponse, key []byte, prove bool) (*abci.QueryResponse, error) {
	v, err := imm.Get(key)
	if err != nil {
		return res, refuse(CodeInternal, "read %x: %w", key, err)
	}
	res.Key = key
	if v == nil {
		if prove {
			p, err := imm.GetNonMembershipProof(key)
			if err != nil {
				return res, refuse(CodeInternal, "prove absence of %x: %w", key, err)
			}
			b, err := p.Marshal()
			if err != nil {
				return res, refuse(CodeInternal, "encode proof: %w", err)
			}
			res.ProofOps = &cmtcrypto.ProofOps{Ops: []cmtcrypto.ProofOp{{Type: ProofOpType, Key: key, Data: b}}}
		}
		return res, refuse(CodeNotFound, "nothing at key %x", key)
	}
	res.Value = v
	if prove {
		op, err := proofOp(imm, key)
		if err != nil {
			return res, err
		}
		res.ProofOps = &cmtcrypto.ProofOps{Ops: []cmtcrypto.ProofOp{op}}
	}
	return res, nil
}

// listVia answers a list query: entries under prefix, optionally followed to the record they point at
// (follow gets the index key and value and returns the record key; a nil key keeps the index
// entry itself). The value is a List
// encoding; with prove, ProofOps holds one proof per listed key, in the same order.
func (a *App) listVia(imm *iavl.ImmutableTree, res *abci.QueryResponse, prefix []byte, prove bool,
	follow func(k, v []byte) ([]byte, error), fromSeq uint64, limit int) (*abci.QueryResponse, error) {
	start := prefix
	if fromSeq > 0 {
		start = append(bytes.Clone(prefix), be64(fromSeq)...)
	}
	var list List
	var ierr error
	imm.IterateRange(start, prefixEnd(prefix), true, func(k, v []byte) bool {
		e := Entry{Key: bytes.Clone(k), Value: bytes.Clone(v)}
		if follow != nil {
			rk, err := follow(k, v)
			if err != nil {
				ierr = err
				return true
			}
			if rk != nil {
				rv, err := imm.Get(rk)
				if err != nil || rv == nil {
					ierr = fmt.Errorf("index %x points at missing %x", k, rk)
					return true
				}
				e = Entry{Key: rk, Value: rv}
			}
		}
		list = append(list, e)
		return len(list) >= limit
	})
	if ierr != nil {
		return res, refuse(CodeInternal, "%w", ierr)
	}
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

// Entry is one key and value of a list query's answer.
type Entry struct {
	Key   []byte
	Value []byte
}

// List is a list query's answer, encoded as repeated u16-length-prefixed key and value.
type List []Entry

// Encode returns the wire form of the list.
func (l List) Encode() []byte {
	e := enc{}
	for _, x := range l {
		e.bytes(x.Key)
		e.bytes(x.Value)
	}
	return e.b
}

// DecodeList parses a list query's answer.
func DecodeList(b []byte) (List, error) {
	d := dec{b: b}
	var l List
	for len(d.b) > 0 && d.err == nil {
		e := Entry{Key: d.bytes(), Value: d.bytes()}
		if d.err == nil {
			l = append(l, e)
		}
	}
	return l, d.end("list")
}

// HexKey formats a 32-byte key as the hex the query paths take.
func HexKey(k [32]byte) string { return hex.EncodeToString(k[:]) }
