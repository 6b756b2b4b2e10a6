package client

import (
	"context"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	coretypes "github.com/cometbft/cometbft/rpc/core/types"
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
	return subscribe(c, ctx, from, "twin events", func(h int64, res *coretypes.ResultBlockResults) []TwinEvent {
		var out []TwinEvent
		for _, r := range res.TxResults {
			out = append(out, twinEvents(h, r)...)
		}
		return out
	})
}

// subscribe streams what events picks out of each block's results from height from (0: the next
// block) in chain order until ctx ends or the client closes, retrying a height whose results
// could not be read; what names the stream in logs.
func subscribe[E any](c *Client, ctx context.Context, from int64, what string,
	events func(int64, *coretypes.ResultBlockResults) []E) <-chan E {
	out := make(chan E, 64)
	if from <= 0 {
		from = c.Height() + 1
	}
	ctx, cancel := context.WithCancel(ctx)
	if !c.start(func() {
		defer cancel()
		defer close(out)
		stop := context.AfterFunc(c.life, cancel)
		defer stop()
		stream(c, ctx, from, what, events, out)
	}) {
		cancel()
		close(out)
	}
	return out
}

func stream[E any](c *Client, ctx context.Context, next int64, what string,
	events func(int64, *coretypes.ResultBlockResults) []E, out chan<- E) {
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
				c.log.Warn("chain client: "+what, "height", next, "err", fmt.Errorf("block results: %w", err))
				select { // retry the same height after a pause
				case <-time.After(c.poll):
				case <-ctx.Done():
					return
				}
				break
			}
			for _, ev := range events(next, res) {
				select {
				case out <- ev:
				case <-ctx.Done():
					return
				}
			}
		}
	}
}
