package client

import (
	"testing"
	"time"
)

// TestLightDBWriteWhileIterating: writing while an iterator is open (what the light store's prune
// does) completes, and the iterator still walks the range as it was.
func TestLightDBWriteWhileIterating(t *testing.T) {
	db := newLightDB()
	for _, k := range []string{"a", "b", "c"} {
		db.Set([]byte(k), []byte("v"+k))
	}
	it, err := db.Iterator(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	done := make(chan error, 1)
	go func() {
		b := db.NewBatch()
		b.Delete([]byte("a"))
		done <- b.WriteSync()
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a batch write while an iterator is open does not complete")
	}
	var got string
	for ; it.Valid(); it.Next() {
		got += string(it.Key()) + "=" + string(it.Value()) + " "
	}
	if got != "a=va b=vb c=vc " {
		t.Fatalf("iterated %q", got)
	}
	if v, _ := db.Get([]byte("a")); v != nil {
		t.Fatalf("a still there: %q", v)
	}
}
