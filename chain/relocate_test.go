package chain

import "testing"

// TestRelocateTwinFencing: a relocation carries the twin's next epoch; a second one decided on the
// same view (same epoch) is refused, as is a stale one, one by a stranger and one to the PNIC the
// twin is already on; the twin's own key may move it; a manual UpdateTwin of the PNIC bumps the
// epoch too, so a relocation decided before it is refused.
func TestRelocateTwinFencing(t *testing.T) {
	owner, stranger, twinKey := newAccount(1), newAccount(2), newAccount(3)
	app := newApp(t, "")
	wantCodes(t, block(t, app, 1,
		owner.tx(&RegisterTwin{Key: twinKey.pub, PNIC: [32]byte{0xA}}),
		twinKey.tx(&RelocateTwin{ID: 1, PNIC: [32]byte{0xB}, Epoch: 1}),  // the standby on B wins
		twinKey.tx(&RelocateTwin{ID: 1, PNIC: [32]byte{0xC}, Epoch: 1}),  // a standby on C decided on the same view
		stranger.tx(&RelocateTwin{ID: 1, PNIC: [32]byte{0xC}, Epoch: 2}), // not the twin nor its owner
		owner.tx(&RelocateTwin{ID: 1, PNIC: [32]byte{0xB}, Epoch: 2}),    // already there
		owner.tx(&RelocateTwin{ID: 1, PNIC: [32]byte{0xC}, Epoch: 0}),    // stale
		owner.tx(&UpdateTwin{ID: 1, PNIC: [32]byte{0xD}}),                // a manual move: epoch 2
		twinKey.tx(&RelocateTwin{ID: 1, PNIC: [32]byte{0xC}, Epoch: 2}),  // decided before it
		twinKey.tx(&RelocateTwin{ID: 1, PNIC: [32]byte{0xC}, Epoch: 3}),
		owner.tx(&RelocateTwin{ID: 9, PNIC: [32]byte{0xC}, Epoch: 1}), // no such twin
	), []uint32{0, 0, CodeConflict, CodeUnauthorized, CodeInvalid, CodeConflict, 0, CodeConflict, 0, CodeNotFound})
	tw, err := DecodeTwin(query(t, app, "twin/1").Value)
	if err != nil || tw.PNIC != [32]byte{0xC} {
		t.Fatalf("twin 1 = %+v, %v; want it on PNIC C", tw, err)
	}
	if v := query(t, app, "twin/1/epoch").Value; len(v) != 8 || be(v) != 3 {
		t.Fatalf("epoch of twin 1 = %x, want 3", v)
	}
	if r := query(t, app, "twin/2/epoch"); r.Code != CodeNotFound {
		t.Fatalf("epoch of a twin never moved: code %d, want not found", r.Code)
	}
	l, err := DecodeList(query(t, app, "twins/pnic/"+HexKey([32]byte{0xC})).Value)
	if err != nil || len(l) != 1 {
		t.Fatalf("twins on PNIC C: %d, %v; want 1", len(l), err)
	}
	if l, _ := DecodeList(query(t, app, "twins/pnic/"+HexKey([32]byte{0xB})).Value); len(l) != 0 {
		t.Fatalf("twins left on PNIC B: %d", len(l))
	}
}
