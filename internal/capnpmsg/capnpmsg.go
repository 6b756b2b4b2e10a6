// Package capnpmsg reads and writes the single-segment Cap'n Proto messages the project exchanges
// without the copies and allocations of capnp.Unmarshal and Message.Marshal.
package capnpmsg

import (
	"encoding/binary"

	"capnproto.org/go/capnp/v3"
)

// Read decodes a message in Cap'n Proto's stream framing. A single-segment message is read in place,
// so data must not change while the message or anything read from it is in use; other messages go
// through capnp.Unmarshal.
func Read(data []byte) (*capnp.Message, error) {
	if len(data) >= 8 && binary.LittleEndian.Uint32(data) == 0 {
		n := uint64(binary.LittleEndian.Uint32(data[4:])) * 8
		if n <= uint64(len(data)-8) {
			msg, _, err := capnp.NewMessage(capnp.NewReadOnlySingleSegment(data[8 : 8+n : 8+n]))
			return msg, err
		}
	}
	return capnp.Unmarshal(data)
}

// Append appends msg in Cap'n Proto's stream framing to dst, as Message.Marshal would encode it.
func Append(dst []byte, msg *capnp.Message) ([]byte, error) {
	if msg.NumSegments() == 1 {
		seg, err := msg.Segment(0)
		if err != nil {
			return dst, err
		}
		data := seg.Data()
		if len(data)%8 == 0 {
			dst = binary.LittleEndian.AppendUint32(dst, 0)
			dst = binary.LittleEndian.AppendUint32(dst, uint32(len(data)/8))
			return append(dst, data...), nil
		}
	}
	raw, err := msg.Marshal()
	if err != nil {
		return dst, err
	}
	return append(dst, raw...), nil
}
