package chain

import (
	"fmt"
	"math"
	"math/big"
)

// Billing of the pinning service. An owner pays each node that holds (has confirmed) a copy of
// its pins that node's PriceStorage per GiB-month (30 days) of block time, and each node that
// served its bytes that node's PriceServed per GiB. The chain keeps per owner the bytes each node
// holds for it (PinPair), so charging an owner costs O(its nodes), never O(its pins): storage is
// settled lazily, whenever a tx touches the owner (pin, unpin, a confirm or a death changing
// what it is billed for, a heartbeat reporting bytes served for it) and by a sweep in every
// block that settles at most pinSettlePerBlock accounts whose last settlement is older than
// PinParams.SettleSeconds. Fractions of a unit are carried per pair, so frequent settlements
// lose nothing. A balance that runs dry pays what it has; the rest is recorded as Unpaid.

const (
	gib     = 1 << 30
	monthNS = 30 * 24 * 3600 * 1_000_000_000
	monthS  = 30 * 24 * 3600
)

var storeDenom = new(big.Int).Mul(big.NewInt(gib), big.NewInt(monthNS))

// payer is the account a twin's pins are charged to: the twin's owner account.
func payer(o *overlay, twin uint64) ([32]byte, bool, error) {
	t, err := o.twin(twin)
	if codeOf(err) == CodeNotFound {
		return [32]byte{}, false, nil
	}
	if err != nil {
		return [32]byte{}, false, err
	}
	return t.Owner, true, nil
}

// pay moves up to amount from account from to account to and returns what it moved.
func pay(o *overlay, from [32]byte, ok bool, to [32]byte, amount uint64) (uint64, error) {
	if amount == 0 || !ok {
		return 0, nil
	}
	a, err := o.account(from)
	if err != nil {
		return 0, err
	}
	paid := min(amount, a.Balance)
	if paid == 0 || from == to {
		return paid, nil
	}
	b, err := o.account(to)
	if err != nil {
		return 0, err
	}
	paid = min(paid, math.MaxUint64-b.Balance)
	a.Balance -= paid
	b.Balance += paid
	o.putAccount(from, a)
	o.putAccount(to, b)
	return paid, nil
}

// settle charges owner's storage up to the overlay's block time and stores the account.
func settle(o *overlay, p PinParams, owner uint64) (PinAccount, error) {
	acct, err := o.pinAccount(owner)
	if err != nil {
		return acct, err
	}
	now := o.at.UnixNano()
	if acct.Settled >= now {
		return acct, nil
	}
	dt := now - acct.Settled
	acct.Settled = now
	if acct.StoredBytes == 0 {
		acct.UnpaidSince = 0
		o.put(PinAccountKey(owner), acct.Encode())
		return acct, nil
	}
	from, ok, err := payer(o, owner)
	if err != nil {
		return acct, err
	}
	prefix := keyOf(prefixPinPair, be64(owner))
	keys, err := o.scanPrefix(prefix, pinMaxNodes)
	if err != nil {
		return acct, err
	}
	var charged, paid uint64
	for _, k := range keys {
		pp, err := o.pinPair(owner, [32]byte(k[len(prefix):]))
		if err != nil {
			return acct, err
		}
		if pp.Bytes == 0 {
			continue
		}
		n, known, err := o.pinNode(pp.Node)
		if err != nil {
			return acct, err
		}
		if !known || n.PriceStorage == 0 {
			continue
		}
		num := new(big.Int).SetUint64(pp.Bytes)
		num.Mul(num, new(big.Int).SetUint64(n.PriceStorage))
		num.Mul(num, big.NewInt(dt))
		num.Add(num, new(big.Int).SetBytes(pp.StoreRem[:]))
		q, r := new(big.Int).QuoRem(num, storeDenom, new(big.Int))
		pp.StoreRem = [16]byte{}
		r.FillBytes(pp.StoreRem[:])
		o.putPinPair(pp)
		if !q.IsUint64() {
			return acct, refuse(CodeInternal, "storage charge of twin %d overflows", owner)
		}
		got, err := pay(o, from, ok, pp.Node, q.Uint64())
		if err != nil {
			return acct, err
		}
		charged += q.Uint64()
		paid += got
	}
	acct.Charged += paid
	acct.Unpaid += charged - paid
	if err := markUnpaid(o, &acct, from, ok, charged-paid); err != nil {
		return acct, err
	}
	o.put(PinAccountKey(owner), acct.Encode())
	if charged > 0 {
		o.event("pin_charged", "owner", u(owner), "kind", "storage", "amount", u(paid), "unpaid", u(charged-paid))
		if err := o.audit(owner, "pin_charged", fmt.Sprintf("storage: %d units paid, %d unpaid", paid, charged-paid)); err != nil {
			return acct, err
		}
	}
	return acct, nil
}

// markUnpaid records in acct when its balance first fell short (short > 0) and clears that
// state, with an audit event each way, once a settlement is paid in full from a balance left above
// zero (after a top-up). Pins of an unpaid account stay stored and served; new pins are refused
// by prepaid.
func markUnpaid(o *overlay, acct *PinAccount, from [32]byte, ok bool, short uint64) error {
	switch {
	case short > 0 && acct.UnpaidSince == 0:
		acct.UnpaidSince = o.at.UnixNano()
		o.event("pin_unpaid", "owner", u(acct.Owner), "unpaid", u(acct.Unpaid))
		return o.audit(acct.Owner, "pin_unpaid", fmt.Sprintf("balance ran dry: %d units unpaid; new pins are refused until a top-up", acct.Unpaid))
	case short == 0 && acct.UnpaidSince != 0:
		if !ok {
			return nil
		}
		a, err := o.account(from)
		if err != nil {
			return err
		}
		if a.Balance == 0 {
			return nil
		}
		acct.UnpaidSince = 0
		o.event("pin_paid", "owner", u(acct.Owner))
		return o.audit(acct.Owner, "pin_paid", "balance topped up: storage is paid again")
	}
	return nil
}

// chargeServed charges owner s.Owner for s.Bytes that node n served, after settling its storage.
func chargeServed(o *overlay, p PinParams, n PinNode, s Served) error {
	if _, err := o.twin(s.Owner); err != nil {
		if codeOf(err) == CodeNotFound {
			return nil // the twin is gone: nobody to charge
		}
		return err
	}
	acct, err := settle(o, p, s.Owner)
	if err != nil {
		return err
	}
	acct.ServedBytes += s.Bytes
	pp, err := o.pinPair(s.Owner, n.Key)
	if err != nil {
		return err
	}
	num := new(big.Int).SetUint64(s.Bytes)
	num.Mul(num, new(big.Int).SetUint64(n.PriceServed))
	num.Add(num, new(big.Int).SetUint64(pp.ServeRem))
	q, r := new(big.Int).QuoRem(num, big.NewInt(gib), new(big.Int))
	pp.ServeRem = r.Uint64()
	o.putPinPair(pp)
	if !q.IsUint64() {
		return refuse(CodeInvalid, "bandwidth charge overflows")
	}
	from, ok, err := payer(o, s.Owner)
	if err != nil {
		return err
	}
	got, err := pay(o, from, ok, n.Key, q.Uint64())
	if err != nil {
		return err
	}
	acct.Charged += got
	acct.Unpaid += q.Uint64() - got
	if err := markUnpaid(o, &acct, from, ok, q.Uint64()-got); err != nil {
		return err
	}
	o.put(PinAccountKey(s.Owner), acct.Encode())
	if q.Uint64() > 0 {
		o.event("pin_charged", "owner", u(s.Owner), "kind", "bandwidth", "node", hexKey(n.Key), "amount", u(got), "unpaid", u(q.Uint64()-got))
		return o.audit(s.Owner, "pin_charged", fmt.Sprintf("bandwidth: %d bytes served by %x, %d units paid, %d unpaid", s.Bytes, n.Key[:8], got, q.Uint64()-got))
	}
	return nil
}

// StorageRate is what owner's pins cost per second, scaled by GiB × 30 days: Σ bytes × price.
func storageRate(o *overlay, owner uint64) (*big.Int, error) {
	prefix := keyOf(prefixPinPair, be64(owner))
	keys, err := o.scanPrefix(prefix, pinMaxNodes)
	if err != nil {
		return nil, err
	}
	rate := new(big.Int)
	for _, k := range keys {
		pp, err := o.pinPair(owner, [32]byte(k[len(prefix):]))
		if err != nil {
			return nil, err
		}
		n, known, err := o.pinNode(pp.Node)
		if err != nil {
			return nil, err
		}
		if known {
			rate.Add(rate, new(big.Int).Mul(new(big.Int).SetUint64(pp.Bytes), new(big.Int).SetUint64(n.PriceStorage)))
		}
	}
	return rate, nil
}

// prepaid refuses a pin unless tw's balance pays all its pins, counting the copies of set not
// confirmed yet, for PinParams.MinPrepaidSeconds at the holders' prices.
func prepaid(o *overlay, p PinParams, tw Twin, set PinSet, _ bool) error {
	rate, err := storageRate(o, tw.ID)
	if err != nil {
		return err
	}
	for _, h := range set.Holders {
		if h.State == PinHeld {
			continue
		}
		n, known, err := o.pinNode(h.Node)
		if err != nil {
			return err
		}
		if known {
			rate.Add(rate, new(big.Int).Mul(new(big.Int).SetUint64(set.Size), new(big.Int).SetUint64(n.PriceStorage)))
		}
	}
	need := rate.Mul(rate, new(big.Int).SetUint64(p.MinPrepaidSeconds))
	a, err := o.account(tw.Owner)
	if err != nil {
		return err
	}
	have := new(big.Int).Mul(new(big.Int).SetUint64(a.Balance), big.NewInt(gib*monthS))
	if have.Cmp(need) < 0 {
		// Round the shortfall up to whole units for the message.
		short := new(big.Int).Sub(need, have)
		short.Add(short, big.NewInt(gib*monthS-1))
		short.Quo(short, big.NewInt(gib*monthS))
		return refuse(CodePinFunds, "twin %d: balance %d cannot pay its pins for %d s: %s more units needed",
			tw.ID, a.Balance, p.MinPrepaidSeconds, short.String())
	}
	return nil
}

// pinUnpaidDropsPerBlock bounds how many pins of owners unpaid past the grace period one block removes.
const pinUnpaidDropsPerBlock = 16

// dropUnpaid removes up to pinUnpaidDropsPerBlock pins of acct's owner, whose balance has been
// short for longer than PinParams.UnpaidGraceSeconds; later sweeps remove the rest.
func dropUnpaid(o *overlay, p PinParams, acct PinAccount) error {
	tw, err := o.twin(acct.Owner)
	if codeOf(err) == CodeNotFound {
		return nil // the twin is gone: its pins are nobody's to bill
	}
	if err != nil {
		return err
	}
	prefix := keyOf(prefixPinRecord, be64(acct.Owner))
	keys, err := o.scanPrefix(prefix, pinUnpaidDropsPerBlock)
	if err != nil {
		return err
	}
	for _, k := range keys {
		cid := string(k[len(prefix):])
		rec, ok, err := o.pinRecord(acct.Owner, cid)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if acct, err = o.pinAccount(acct.Owner); err != nil {
			return err
		}
		if err := dropPin(o, p, tw, cid, rec, acct, "pin_unpaid_removed"); err != nil {
			return err
		}
	}
	return nil
}

// settleSweep settles up to pinSettlePerBlock accounts due, walking the accounts round-robin.
func settleSweep(o *overlay, p PinParams) error {
	from, err := o.u64(pinSettleNextKey)
	if err != nil {
		return err
	}
	prefix := []byte{prefixPinAccount}
	keys, err := o.scan(PinAccountKey(from), prefixEnd(prefix), pinSettlePerBlock)
	if err != nil {
		return err
	}
	due := o.at.UnixNano() - int64(p.SettleSeconds)*1_000_000_000
	for _, k := range keys {
		owner := be64of(k[1:])
		acct, err := o.pinAccount(owner)
		if err != nil {
			return err
		}
		if acct.Settled <= due {
			if acct, err = settle(o, p, owner); err != nil {
				return err
			}
		}
		if acct.UnpaidSince != 0 && o.at.UnixNano()-acct.UnpaidSince >= int64(p.UnpaidGraceSeconds)*1_000_000_000 {
			if err := dropUnpaid(o, p, acct); err != nil {
				return err
			}
		}
	}
	next := uint64(0)
	if len(keys) == pinSettlePerBlock {
		next = be64of(keys[len(keys)-1][1:]) + 1
	}
	if next != from {
		o.put(pinSettleNextKey, be64(next))
	}
	return nil
}
