package client

import (
	"context"
	"errors"
	"fmt"

	"github.com/freeflowuniverse/planetary/chain"
)

// TwinEpoch returns how many times twin id has moved (0 if never), proven at the newest state the
// client knows; a RelocateTwin must carry this plus one.
func (c *Client) TwinEpoch(ctx context.Context, id uint64) (uint64, error) {
	a, err := c.query(ctx, fmt.Sprintf("twin/%d/epoch", id), 0)
	if errors.Is(err, ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("epoch of twin %d: %w", id, err)
	}
	v, err := a.single(chain.TwinEpochKey(id))
	if err != nil {
		return 0, fmt.Errorf("epoch of twin %d: %w", id, err)
	}
	if len(v) != 8 {
		return 0, fmt.Errorf("epoch of twin %d: %d bytes, want 8", id, len(v))
	}
	var e uint64
	for _, b := range v {
		e = e<<8 | uint64(b)
	}
	return e, nil
}
