package capnpmsg

import (
	"bytes"
	"testing"

	"capnproto.org/go/capnp/v3"

	"github.com/freeflowuniverse/planetary/rmb/schema"
)

func sample(t testing.TB) *capnp.Message {
	msg, seg := capnp.NewSingleSegmentMessage(nil)
	a, err := schema.NewRootAck(seg)
	if err != nil {
		t.Fatal(err)
	}
	a.SetId(bytes.Repeat([]byte{7}, 16))
	a.SetStatus(schema.Status_duplicate)
	a.SetReason("already received")
	return msg
}

// TestAppendIsMarshal: Append writes what Marshal writes, and Read gives back the same message.
func TestAppendIsMarshal(t *testing.T) {
	msg := sample(t)
	want, err := msg.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	got, err := Append([]byte("prefix"), msg)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got[6:], want) || string(got[:6]) != "prefix" {
		t.Fatalf("Append = %x, Marshal = %x", got[6:], want)
	}
	back, err := Read(got[6:])
	if err != nil {
		t.Fatal(err)
	}
	a, err := schema.ReadRootAck(back)
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := a.Reason(); r != "already received" || a.Status() != schema.Status_duplicate {
		t.Fatalf("read back %q %v", r, a.Status())
	}
}

// FuzzRead: any bytes either fail to read or give a message whose root can be read, never a panic,
// and a message read in place reads as capnp.Unmarshal reads it.
func FuzzRead(f *testing.F) {
	raw, _ := sample(f).Marshal()
	f.Add(raw)
	f.Add(raw[:len(raw)-8])
	f.Add([]byte{0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		msg, err := Read(b)
		if err != nil {
			return
		}
		a, err := schema.ReadRootAck(msg)
		if err != nil {
			return
		}
		r, _ := a.Reason()
		ref, err := capnp.Unmarshal(b)
		if err != nil {
			return // Read tolerates bytes after the segment; Unmarshal may not
		}
		ra, err := schema.ReadRootAck(ref)
		if err != nil {
			t.Fatalf("Read reads a root that Unmarshal does not: %v", err)
		}
		if r2, _ := ra.Reason(); r2 != r || ra.Status() != a.Status() {
			t.Fatalf("Read and Unmarshal disagree: %q/%v vs %q/%v", r, a.Status(), r2, ra.Status())
		}
	})
}
