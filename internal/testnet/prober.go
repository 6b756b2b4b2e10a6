package testnet

import (
	"context"
	"encoding/binary"
	"net"
	"sync"
	"time"
)

// Prober sends a numbered UDP probe every 5 ms and records when each reply arrives.
type Prober struct {
	conn  net.Conn
	stop  chan struct{}
	once  sync.Once
	wg    sync.WaitGroup
	mu    sync.Mutex
	times []time.Time
}

// NewProber starts probing addr (host:port of a UDP echo server) from inside h.
func NewProber(h *Host, addr string) (*Prober, error) {
	c, err := h.Dial(context.Background(), "udp6", addr)
	if err != nil {
		return nil, err
	}
	p := &Prober{conn: c, stop: make(chan struct{})}
	p.wg.Go(func() {
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		var seq uint64
		buf := make([]byte, 8)
		for i := 0; i < 20000; i++ { // bounded: at most 100 s of probes
			select {
			case <-p.stop:
				return
			case <-t.C:
			}
			seq++
			binary.BigEndian.PutUint64(buf, seq)
			c.Write(buf)
		}
	})
	p.wg.Go(func() {
		buf := make([]byte, 64)
		for {
			if _, err := c.Read(buf); err != nil {
				select {
				case <-p.stop:
					return
				default:
					continue // ICMP errors surface as read errors on a connected UDP socket
				}
			}
			p.mu.Lock()
			p.times = append(p.times, time.Now())
			p.mu.Unlock()
		}
	})
	return p, nil
}

// Count is the number of replies received after a time.
func (p *Prober) Count(after time.Time) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, t := range p.times {
		if t.After(after) {
			n++
		}
	}
	return n
}

// WaitReplies waits for n replies in all.
func (p *Prober) WaitReplies(n int, timeout time.Duration) bool {
	return p.WaitRepliesAfter(time.Time{}, n, timeout)
}

// WaitRepliesAfter waits for n replies received after a time.
func (p *Prober) WaitRepliesAfter(after time.Time, n int, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for p.Count(after) < n {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

// Outage is the longest gap between two replies where the second came after cut.
func (p *Prober) Outage(cut time.Time) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	var longest time.Duration
	for i := 1; i < len(p.times); i++ {
		if p.times[i].Before(cut) {
			continue
		}
		if gap := p.times[i].Sub(p.times[i-1]); gap > longest {
			longest = gap
		}
	}
	return longest
}

// Close stops the probes.
func (p *Prober) Close() {
	p.once.Do(func() {
		close(p.stop)
		p.conn.Close()
		p.wg.Wait()
	})
}

// UDPEcho answers every datagram sent to addr inside h until the returned conn is closed.
func (h *Host) UDPEcho(addr string) (net.PacketConn, error) {
	pc, err := h.ListenPacket("udp6", addr)
	if err != nil {
		return nil, err
	}
	go func() {
		buf := make([]byte, 2048)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			pc.WriteTo(buf[:n], from)
		}
	}()
	return pc, nil
}
