// Package wsclient is a Go client of a twin's owner websocket: it logs in with a login link, sends
// requests and matches their responses, and delivers the events the twin pushes.
package wsclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"sync"

	"capnproto.org/go/capnp/v3"
	"github.com/coder/websocket"

	"github.com/freeflowuniverse/planetary/rmb/schema"
)

// Login opens a login link and returns an HTTP client holding the session cookie.
func Login(ctx context.Context, link string) (*http.Client, error) {
	return LoginWith(ctx, link, nil)
}

// LoginWith is Login through the transport tr (nil for the default), e.g. one that trusts the
// twin's self-signed certificate.
func LoginWith(ctx context.Context, link string, tr http.RoundTripper) (*http.Client, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	hc := &http.Client{Jar: jar, Transport: tr}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, link, nil)
	if err != nil {
		return nil, fmt.Errorf("login link: %w", err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("login: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("login: %s", resp.Status)
	}
	return hc, nil
}

// Logout ends the session hc holds at the twin at base (http://127.0.0.1:PORT, or https://), so
// a tool that logged in leaves no session behind.
func Logout(ctx context.Context, base string, hc *http.Client) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/logout", nil)
	if err != nil {
		return fmt.Errorf("logout: %w", err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("logout: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		return fmt.Errorf("logout: %s", resp.Status)
	}
	return nil
}

// Conn is an open websocket to a twin.
type Conn struct {
	ws     *websocket.Conn
	events chan schema.WsEvent
	done   chan struct{}
	err    error

	mu      sync.Mutex
	next    uint64
	pending map[uint64]chan schema.WsResponse
}

// Dial opens the websocket of the twin at base (http://127.0.0.1:PORT, or https://) with the
// logged-in client.
func Dial(ctx context.Context, base string, hc *http.Client) (*Conn, error) {
	h := http.Header{"Origin": []string{base}}
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/ws", &websocket.DialOptions{HTTPClient: hc, HTTPHeader: h})
	if err != nil {
		return nil, fmt.Errorf("twin websocket: %w", err)
	}
	ws.SetReadLimit(16 << 20)
	c := &Conn{ws: ws, events: make(chan schema.WsEvent, 1024), done: make(chan struct{}), pending: make(map[uint64]chan schema.WsResponse)}
	go c.read()
	return c, nil
}

func (c *Conn) read() {
	defer close(c.done)
	defer close(c.events)
	for {
		_, b, err := c.ws.Read(context.Background())
		if err != nil {
			c.err = err
			return
		}
		msg, err := capnp.Unmarshal(b)
		if err != nil {
			c.err = fmt.Errorf("twin sent a malformed frame: %w", err)
			c.ws.CloseNow()
			return
		}
		f, err := schema.ReadRootWsFrame(msg)
		if err != nil {
			c.err = fmt.Errorf("twin sent a malformed frame: %w", err)
			c.ws.CloseNow()
			return
		}
		switch f.Which() {
		case schema.WsFrame_Which_response:
			r, err := f.Response()
			c.mu.Lock()
			ch := c.pending[f.Id()]
			delete(c.pending, f.Id())
			c.mu.Unlock()
			if ch != nil && err == nil {
				ch <- r
			}
		case schema.WsFrame_Which_event:
			e, err := f.Event()
			if err != nil {
				continue
			}
			select {
			case c.events <- e:
			default:
				c.err = errors.New("events not read; closing")
				c.ws.CloseNow()
				return
			}
		}
	}
}

// Events returns the events the twin pushes; the channel closes with the connection.
func (c *Conn) Events() <-chan schema.WsEvent { return c.events }

// Err returns why the connection ended, once Events is closed.
func (c *Conn) Err() error { return c.err }

// Call sends a request filled in by fill and waits for its response; an error response is an error.
func (c *Conn) Call(ctx context.Context, fill func(schema.WsRequest) error) (schema.WsResponse, error) {
	c.mu.Lock()
	c.next++
	id := c.next
	ch := make(chan schema.WsResponse, 1)
	c.pending[id] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.pending, id)
		c.mu.Unlock()
	}()
	msg, seg := capnp.NewSingleSegmentMessage(nil)
	f, err := schema.NewRootWsFrame(seg)
	if err != nil {
		return schema.WsResponse{}, err
	}
	f.SetId(id)
	rq, err := f.NewRequest()
	if err == nil {
		err = fill(rq)
	}
	if err != nil {
		return schema.WsResponse{}, fmt.Errorf("build request: %w", err)
	}
	b, err := msg.Marshal()
	if err != nil {
		return schema.WsResponse{}, err
	}
	if err := c.ws.Write(ctx, websocket.MessageBinary, b); err != nil {
		return schema.WsResponse{}, fmt.Errorf("send request: %w", err)
	}
	select {
	case r := <-ch:
		if r.Which() == schema.WsResponse_Which_error {
			text, _ := r.Error()
			return r, errors.New(text)
		}
		return r, nil
	case <-c.done:
		return schema.WsResponse{}, fmt.Errorf("twin websocket closed: %v", c.err)
	case <-ctx.Done():
		return schema.WsResponse{}, ctx.Err()
	}
}

// Close closes the websocket.
func (c *Conn) Close() error { return c.ws.Close(websocket.StatusNormalClosure, "") }
