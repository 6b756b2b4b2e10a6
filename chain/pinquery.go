package chain

import (
	"bytes"
	"encoding/hex"
	"net/url"
	"strconv"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtcrypto "github.com/cometbft/cometbft/api/cometbft/crypto/v1"
	"github.com/cosmos/iavl"
)

// endBlockPins runs the pinning service's per-block work after the block's txs; a failure is
// logged and changes nothing, the same on every node.
func (a *App) endBlockPins(height int64, now time.Time, ntx int) []abci.Event {
	o := newOverlay(a.tree, height)
	o.at, o.index = now, ntx
	if err := pinEndBlock(o); err != nil {
		a.log.Error("pin end block", "height", height, "err", err)
		return nil
	}
	if err := o.flush(); err != nil {
		a.log.Error("pin end block", "height", height, "err", err)
		return nil
	}
	return o.events
}

// maxPinPage bounds the pins one pins/owner answer lists (each is two proven entries).
const maxPinPage = maxListLimit / 2

// queryPin answers the pinning service's query paths; ok is false for any other path.
func (a *App) queryPin(imm *iavl.ImmutableTree, res *abci.QueryResponse, parts []string, q url.Values, prove bool, limit int) (_ *abci.QueryResponse, ok bool, _ error) {
	arg := func(i int) string {
		if i < len(parts) {
			return parts[i]
		}
		return ""
	}
	one := func(key []byte) (*abci.QueryResponse, bool, error) {
		r, err := a.single(imm, res, key, prove)
		return r, true, err
	}
	list := func(prefix, start, end []byte, asc bool, limit int, follow func(k, v []byte) ([][]byte, error)) (*abci.QueryResponse, bool, error) {
		r, err := a.listPin(imm, res, prefix, start, end, asc, prove, limit, follow)
		return r, true, err
	}
	switch {
	case len(parts) == 1 && parts[0] == "pinparams":
		return one(PinParamsKey())
	case len(parts) == 1 && parts[0] == "pinnodes":
		prefix := []byte{prefixPinNode}
		start := prefix
		if s := q.Get("after"); s != "" {
			k, err := ParseAccount(s)
			if err != nil {
				return res, true, refuse(CodeInvalid, "after: %w", err)
			}
			start = append(PinNodeKey(k), 0)
		}
		return list(prefix, start, prefixEnd(prefix), true, limit, nil)
	case len(parts) == 2 && parts[0] == "pinnode":
		k, err := ParseAccount(arg(1))
		if err != nil {
			return res, true, refuse(CodeInvalid, "%w", err)
		}
		return one(PinNodeKey(k))
	case len(parts) == 2 && parts[0] == "pin":
		if err := validCID(arg(1)); err != nil {
			return res, true, err
		}
		return one(PinSetKey(arg(1)))
	case len(parts) == 4 && parts[0] == "pins" && parts[1] == "owner":
		id, err := parseID(arg(2))
		if err != nil {
			return res, true, err
		}
		if err := validCID(arg(3)); err != nil {
			return res, true, err
		}
		return one(PinRecordKey(id, arg(3)))
	case len(parts) == 3 && parts[0] == "pins" && parts[1] == "owner":
		id, err := parseID(arg(2))
		if err != nil {
			return res, true, err
		}
		prefix := keyOf(prefixPinCreated, be64(id))
		start, end := prefix, prefixEnd(prefix)
		if s := q.Get("after"); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n < 0 || n == 1<<63-1 {
				return res, true, refuse(CodeInvalid, "after %q: want unix nanoseconds", s)
			}
			start = PinCreatedKey(id, n+1)
		}
		if s := q.Get("before"); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n < 0 {
				return res, true, refuse(CodeInvalid, "before %q: want unix nanoseconds", s)
			}
			end = PinCreatedKey(id, n)
		}
		// Newest first; each pin is its record and its CID's allocation set, both proven.
		return list(prefix, start, end, false, min(limit, maxPinPage), func(_, v []byte) ([][]byte, error) {
			return [][]byte{PinRecordKey(id, string(v)), PinSetKey(string(v))}, nil
		})
	case len(parts) == 4 && parts[0] == "pins" && parts[1] == "request":
		id, err := parseID(arg(2))
		if err != nil {
			return res, true, err
		}
		if err := validText("request id", arg(3), 1, 64); err != nil {
			return res, true, err
		}
		return one(PinRequestKey(id, arg(3)))
	case len(parts) == 3 && parts[0] == "pins" && parts[1] == "node":
		k, err := ParseAccount(arg(2))
		if err != nil {
			return res, true, refuse(CodeInvalid, "%w", err)
		}
		prefix := keyOf(prefixPinAlloc, k[:])
		start := prefix
		if s := q.Get("after"); s != "" {
			start = append(PinAllocKey(k, s), 0)
		}
		return list(prefix, start, prefixEnd(prefix), true, limit, func(k, _ []byte) ([][]byte, error) {
			return [][]byte{PinSetKey(string(k[len(prefix):]))}, nil
		})
	case len(parts) == 2 && parts[0] == "pinaccount":
		id, err := parseID(arg(1))
		if err != nil {
			return res, true, err
		}
		return one(PinAccountKey(id))
	case len(parts) == 3 && parts[0] == "pinaccount" && parts[2] == "nodes":
		id, err := parseID(arg(1))
		if err != nil {
			return res, true, err
		}
		prefix := keyOf(prefixPinPair, be64(id))
		return list(prefix, prefix, prefixEnd(prefix), true, limit, nil)
	}
	return res, false, nil
}

// listPin answers a list query over [start, end) in either order: each index entry followed to
// the records follow names (nil follow: the entry itself), at most limit entries followed, each
// record proven by one ProofOp in order.
func (a *App) listPin(imm *iavl.ImmutableTree, res *abci.QueryResponse, prefix, start, end []byte, asc, prove bool,
	limit int, follow func(k, v []byte) ([][]byte, error)) (*abci.QueryResponse, error) {
	var l List
	var ierr error
	n := 0
	if bytes.Compare(start, end) < 0 {
		imm.IterateRange(start, end, asc, func(k, v []byte) bool {
			n++
			if follow == nil {
				l = append(l, Entry{Key: bytes.Clone(k), Value: bytes.Clone(v)})
				return n >= limit
			}
			keys, err := follow(k, v)
			if err != nil {
				ierr = err
				return true
			}
			for _, rk := range keys {
				rv, err := imm.Get(rk)
				if err != nil || rv == nil {
					ierr = refuse(CodeInternal, "index %s points at missing %s", hex.EncodeToString(k), hex.EncodeToString(rk))
					return true
				}
				l = append(l, Entry{Key: rk, Value: rv})
			}
			return n >= limit
		})
	}
	if ierr != nil {
		return res, ierr
	}
	res.Key = prefix
	res.Value = l.Encode()
	if prove {
		res.ProofOps = &cmtcrypto.ProofOps{}
		for _, e := range l {
			op, err := proofOp(imm, e.Key)
			if err != nil {
				return res, err
			}
			res.ProofOps.Ops = append(res.ProofOps.Ops, op)
		}
	}
	return res, nil
}
