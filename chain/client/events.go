package client

import (
	"context"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
)

// TwinEvent is a change to a twin: register, update, relocate, rotate or delete.
type TwinEvent struct {
	Height int64
	ID     uint64
	PNIC   [32]byte
	Action string
}

// twinEvents extracts the twin events of one committed tx result.
func twinEvents(height int64, r *abci.ExecTxResult) []TwinEvent {
	if r.Code != 0 {
		return nil
	}
	var out []TwinEvent
	for _, ev := range r.Events {
		if ev.Type != "twin" {
			continue
		}
		te := TwinEvent{Height: height}
		for _, a := range ev.Attributes {
			switch a.Key {
			case "id":
				te.ID, _ = strconv.ParseUint(a.Value, 10, 64)
			case "pnic":
				b, _ := hex.DecodeString(a.Value)
				copy(te.PNIC[:], b)
			case "action":
				te.Action = a.Value
			}
		}
		out = append(out, te)
	}
	return out
}

// SubscribeTwins streams twin events from height from (0: the next block) in chain order until ctx
// ends or the client closes. It walks block results height by height, so a dropped websocket or a
// slow reader never loses an event: after a reconnect it resumes at the last height it delivered.
// The channel closes when it ends; events are never dropped, so read promptly.
func (c *Client) SubscribeTwins(ctx context.Context, from int64) <-chan TwinEvent {
	out := make(chan TwinEvent, 64)
	if from <= 0 {
		from = c.Height() + 1
	}
	ctx, cancel := context.WithCancel(ctx)
	if !c.start(func() {
		defer cancel()
		defer close(out)
		stop := context.AfterFunc(c.life, cancel)
		defer stop()
		c.streamTwins(ctx, from, out)
	}) {
		cancel()
		close(out)
	}
	return out
}

func (c *Client) streamTwins(ctx context.Context, next int64, out chan<- TwinEvent) {
	for {
		if err := c.waitHeight(ctx, next); err != nil {
			return
		}
		top := c.Height()
		for ; next <= top; next++ {
			res, err := c.rpc.BlockResults(ctx, &next)
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				c.log.Warn("chain client: twin events", "height", next, "err", fmt.Errorf("block results: %w", err))
				select { // retry the same height after a pause
				case <-time.After(c.poll):
				case <-ctx.Done():
					return
				}
				break
			}
			for _, r := range res.TxResults {
				for _, ev := range twinEvents(next, r) {
					select {
					case out <- ev:
					case <-ctx.Done():
						return
					}
				}
			}
		}
	}
}
