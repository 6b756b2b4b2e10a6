package chain

import (
	"encoding/hex"
)

// KindRelocateTwin moves a twin to another PNIC, fenced by the twin's epoch.
const KindRelocateTwin Kind = 14

// prefixTwinEpoch | twin id(8) → epoch(8): how many times the twin has moved. Absent means 0.
const prefixTwinEpoch = 0x13

// TwinEpochKey is the state key of a twin's relocation epoch.
func TwinEpochKey(id uint64) []byte { return keyOf(prefixTwinEpoch, be64(id)) }

// RelocateTwin moves twin ID to PNIC. Epoch must be the twin's current epoch plus one: two hosts
// that both try to take the twin over from the same state cannot both succeed, and a move decided
// on an old view of the chain is refused. The twin's owner or the twin's own key signs it (a
// standby host that holds the twin's replica signs with the twin's key).
type RelocateTwin struct {
	ID    uint64
	PNIC  [32]byte
	Epoch uint64
}

// Kind returns KindRelocateTwin.
func (m *RelocateTwin) Kind() Kind { return KindRelocateTwin }

func (m *RelocateTwin) encode(e *enc) { e.u64(m.ID); e.key(m.PNIC); e.u64(m.Epoch) }
func (m *RelocateTwin) decode(d *dec) { m.ID, m.PNIC, m.Epoch = d.u64(), d.key(), d.u64() }

// bumpEpoch raises a twin's epoch by one and returns the new value.
func bumpEpoch(o *overlay, id uint64) (uint64, error) {
	cur, err := o.u64(TwinEpochKey(id))
	if err != nil {
		return 0, err
	}
	o.put(TwinEpochKey(id), be64(cur+1))
	return cur + 1, nil
}

func relocateTwin(o *overlay, signer [32]byte, m *RelocateTwin) error {
	t, err := o.twin(m.ID)
	if err != nil {
		return err
	}
	if t.Owner != signer && t.Key != signer {
		return refuse(CodeUnauthorized, "only twin %d or its owner may relocate it", m.ID)
	}
	cur, err := o.u64(TwinEpochKey(t.ID))
	if err != nil {
		return err
	}
	if m.Epoch != cur+1 {
		return refuse(CodeConflict, "twin %d is at epoch %d: a relocation must carry epoch %d, not %d (decided on a stale view)", t.ID, cur, cur+1, m.Epoch)
	}
	if m.PNIC == t.PNIC {
		return refuse(CodeInvalid, "twin %d is already on PNIC %x", t.ID, t.PNIC[:8])
	}
	o.put(TwinEpochKey(t.ID), be64(m.Epoch))
	o.del(twinPNICKey(t.PNIC, t.ID))
	o.put(twinPNICKey(m.PNIC, t.ID), be64(t.ID))
	if err := o.audit(t.ID, auditRelocation, hex.EncodeToString(t.PNIC[:])+" -> "+hex.EncodeToString(m.PNIC[:])+" epoch "+u(m.Epoch)); err != nil {
		return err
	}
	t.PNIC = m.PNIC
	o.put(TwinKey(t.ID), t.Encode())
	o.event("twin", "id", u(t.ID), "pnic", hex.EncodeToString(t.PNIC[:]), "action", "relocate", "epoch", u(m.Epoch))
	return nil
}
