// Package wsapi is the owner's websocket to the twin: binary Cap'n Proto WsFrame messages carrying
// requests (answered by a response with the same id) and events the twin pushes.
//
// A connection needs a valid session cookie and a same-origin Origin; a frame that does not decode
// closes only that connection. Revoking a session closes its connections.
package wsapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/freeflowuniverse/planetary/rmb/schema"
	"github.com/freeflowuniverse/planetary/twin/auth"
	"github.com/freeflowuniverse/planetary/twin/directory"
	"github.com/freeflowuniverse/planetary/twin/services"
	"github.com/freeflowuniverse/planetary/twin/store"
)

// maxInflight bounds the requests one connection has in progress.
const maxInflight = 8

// Config describes a Server.
type Config struct {
	Twin    *services.Twin
	Auth    *auth.Auth
	Version string
	// Socket is the PNIC socket path, shown in the status.
	Socket string
	// LoginCommand makes a fresh login link; a browser without a session is told to run it
	// (default "twind login-link").
	LoginCommand string
	Logger       *slog.Logger
}

// Server serves the websocket.
type Server struct {
	cfg Config
	log *slog.Logger

	wg    sync.WaitGroup
	mu    sync.Mutex
	conns map[*websocket.Conn]string // → session id
}

// Wait returns once every connection has ended; their requests' contexts end with the server's.
func (s *Server) Wait() { s.wg.Wait() }

// New returns a Server.
func New(cfg Config) *Server {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Server{cfg: cfg, log: log, conns: make(map[*websocket.Conn]string)}
}

// LocalHost reports whether an HTTP Host header names this machine's loopback, which refuses
// pages reached through DNS rebinding.
func LocalHost(host string) bool {
	h, _, err := net.SplitHostPort(host)
	if err != nil {
		h = host
	}
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// ServeHTTP upgrades an authenticated same-origin request and serves the connection.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !LocalHost(r.Host) {
		http.Error(w, "this twin answers only on its loopback address", http.StatusForbidden)
		return
	}
	se, err := s.cfg.Auth.Check(r)
	if err != nil {
		command := s.cfg.LoginCommand
		if command == "" {
			command = "twind login-link"
		}
		http.Error(w, "log in with the link twind printed (or `"+command+"`)", http.StatusUnauthorized)
		return
	}
	// Accept refuses an Origin whose host differs from the request's Host.
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		s.log.Info("refused a websocket", "origin", r.Header.Get("Origin"), "err", err)
		return
	}
	c.SetReadLimit(MaxFrame)
	s.wg.Add(1)
	defer s.wg.Done()
	s.mu.Lock()
	s.conns[c] = se.ID
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
	}()
	s.serve(r.Context(), c, se)
}

// CloseSession closes every connection of a revoked session.
func (s *Server) CloseSession(id string) {
	s.mu.Lock()
	var victims []*websocket.Conn
	for c, sid := range s.conns {
		if sid == id {
			victims = append(victims, c)
		}
	}
	s.mu.Unlock()
	for _, c := range victims {
		go c.Close(websocket.StatusPolicyViolation, "session revoked")
	}
}

type connState struct {
	s   *Server
	c   *websocket.Conn
	se  store.Session
	ctx context.Context
}

func (cs *connState) write(b []byte) error {
	ctx, cancel := context.WithTimeout(cs.ctx, 10*time.Second)
	defer cancel()
	return cs.c.Write(ctx, websocket.MessageBinary, b)
}

func (s *Server) serve(ctx context.Context, c *websocket.Conn, se store.Session) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer c.CloseNow()
	cs := &connState{s: s, c: c, se: se, ctx: ctx}
	events, stop := s.cfg.Twin.Subscribe()
	defer stop()
	go func() {
		defer cancel()
		for {
			select {
			case e, ok := <-events:
				if !ok {
					c.Close(websocket.StatusTryAgainLater, "fell behind; reload")
					return
				}
				b, err := encodeEvent(e)
				if err == nil {
					err = cs.write(b)
				}
				if err != nil {
					return
				}
			case <-ctx.Done():
				return
			}
		}
	}()
	sem := make(chan struct{}, maxInflight)
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		typ, b, err := c.Read(ctx)
		if err != nil {
			return
		}
		if typ != websocket.MessageBinary {
			c.Close(websocket.StatusUnsupportedData, "binary Cap'n Proto frames only")
			return
		}
		req, err := DecodeRequest(b)
		if err != nil {
			s.log.Info("closed a websocket that sent a malformed frame", "session", se.ID, "err", err)
			c.Close(websocket.StatusUnsupportedData, "malformed frame")
			return
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			out, err := cs.handle(req)
			if err != nil {
				out, err = errorFrame(req.ID, err)
			}
			if err == nil && out != nil {
				err = cs.write(out)
			}
			if err != nil {
				cancel()
			}
		}()
	}
}

// circleResponse answers with a circle, or the error.
func circleResponse(id uint64) func(directory.Circle, error) ([]byte, error) {
	return func(c directory.Circle, err error) ([]byte, error) {
		if err != nil {
			return nil, err
		}
		return response(id, func(resp schema.WsResponse) error {
			out, err := resp.NewCircle()
			if err != nil {
				return err
			}
			return fillCircle(out, c)
		})
	}
}

// fileResponse answers with a file entry, or the error.
func fileResponse(id uint64) func(store.File, error) ([]byte, error) {
	return func(f store.File, err error) ([]byte, error) {
		if err != nil {
			return nil, err
		}
		return response(id, func(resp schema.WsResponse) error {
			out, err := resp.NewFile()
			if err != nil {
				return err
			}
			return fillFile(out, f)
		})
	}
}

func encodeEvent(e services.Event) ([]byte, error) {
	return event(func(ev schema.WsEvent) error {
		switch {
		case e.Chat != nil:
			c, err := ev.NewChat()
			if err != nil {
				return err
			}
			return fillChat(c, *e.Chat)
		case e.Contact != nil:
			c, err := ev.NewContact()
			if err != nil {
				return err
			}
			return fillContact(c, *e.Contact)
		case e.File != nil:
			f, err := ev.NewFile()
			if err != nil {
				return err
			}
			return fillFile(f, *e.File)
		case e.Circle != nil:
			c, err := ev.NewCircle()
			if err != nil {
				return err
			}
			return fillCircle(c, *e.Circle)
		case e.CircleDeleted != "":
			return ev.SetCircleDeleted(e.CircleDeleted)
		}
		return errors.New("empty event")
	})
}

// handle runs one request and returns its response frame (nil when it answered itself), or an
// error to send back instead.
func (cs *connState) handle(r Request) ([]byte, error) {
	tw := cs.s.cfg.Twin
	ctx, cancel := context.WithTimeout(cs.ctx, 30*time.Second)
	defer cancel()
	ok := func(err error) ([]byte, error) {
		if err != nil {
			return nil, err
		}
		return response(r.ID, func(resp schema.WsResponse) error { resp.SetOk(); return nil })
	}
	if govRequest(r.Which) {
		return handleGov(ctx, tw, r)
	}
	switch r.Which {
	case schema.WsRequest_Which_status:
		st := tw.Status(ctx)
		return response(r.ID, func(resp schema.WsResponse) error {
			s, err := resp.NewStatus()
			if err != nil {
				return err
			}
			return fillStatus(s, st, cs.s.cfg.Version, cs.s.cfg.Socket)
		})
	case schema.WsRequest_Which_ping:
		rtt, err := tw.Ping(ctx, r.Twin)
		if err != nil {
			return nil, err
		}
		return response(r.ID, func(resp schema.WsResponse) error { resp.SetRtt(int64(rtt)); return nil })
	case schema.WsRequest_Which_findTwin:
		rec, err := tw.FindTwin(ctx, r.Twin)
		if err != nil {
			return nil, err
		}
		return response(r.ID, func(resp schema.WsResponse) error {
			t, err := resp.NewTwin()
			if err != nil {
				return err
			}
			return fillRecord(t, rec)
		})
	case schema.WsRequest_Which_contacts:
		all, err := tw.Contacts()
		if err != nil {
			return nil, err
		}
		return response(r.ID, func(resp schema.WsResponse) error {
			l, err := resp.NewContacts(int32(len(all)))
			if err != nil {
				return err
			}
			for i, c := range all {
				if err := fillContact(l.At(i), c); err != nil {
					return err
				}
			}
			return nil
		})
	case schema.WsRequest_Which_invite:
		return ok(tw.Invite(ctx, r.Twin, r.Text))
	case schema.WsRequest_Which_accept:
		return ok(tw.Accept(ctx, r.Twin))
	case schema.WsRequest_Which_decline:
		return ok(tw.Decline(ctx, r.Twin))
	case schema.WsRequest_Which_remove:
		return ok(tw.Remove(ctx, r.Twin))
	case schema.WsRequest_Which_block:
		return ok(tw.Block(ctx, r.Twin))
	case schema.WsRequest_Which_unblock:
		return ok(tw.Unblock(ctx, r.Twin))
	case schema.WsRequest_Which_markRead:
		return ok(tw.MarkRead(ctx, r.Twin))
	case schema.WsRequest_Which_sendChat:
		m, err := tw.SendChat(ctx, r.Twin, r.Text)
		if err != nil {
			return nil, err
		}
		return response(r.ID, func(resp schema.WsResponse) error {
			c, err := resp.NewChat()
			if err != nil {
				return err
			}
			return fillChat(c, m)
		})
	case schema.WsRequest_Which_history:
		h, err := tw.History(r.Twin, r.Before, int(r.Limit))
		if err != nil {
			return nil, err
		}
		return response(r.ID, func(resp schema.WsResponse) error {
			l, err := resp.NewHistory(int32(len(h)))
			if err != nil {
				return err
			}
			for i, m := range h {
				if err := fillChat(l.At(i), m); err != nil {
					return err
				}
			}
			return nil
		})
	case schema.WsRequest_Which_files:
		all, err := tw.Files()
		if err != nil {
			return nil, err
		}
		return response(r.ID, func(resp schema.WsResponse) error {
			l, err := resp.NewFiles(int32(len(all)))
			if err != nil {
				return err
			}
			for i, f := range all {
				if err := fillFile(l.At(i), f); err != nil {
					return err
				}
			}
			return nil
		})
	case schema.WsRequest_Which_download:
		// Answered when complete or failed, bounded by the connection rather than the request
		// timeout; progress arrives meanwhile as file events, and a later request resumes it.
		_, err := tw.Download(cs.ctx, r.Twin, r.SHA256)
		return ok(err)
	case schema.WsRequest_Which_circles:
		all, err := tw.Circles(ctx)
		if err != nil {
			return nil, err
		}
		return response(r.ID, func(resp schema.WsResponse) error {
			l, err := resp.NewCircles(int32(len(all)))
			if err != nil {
				return err
			}
			for i, c := range all {
				if err := fillCircle(l.At(i), c); err != nil {
					return err
				}
			}
			return nil
		})
	case schema.WsRequest_Which_createCircle:
		return circleResponse(r.ID)(tw.CreateCircle(ctx, r.Circle, r.Twins))
	case schema.WsRequest_Which_addMember:
		return circleResponse(r.ID)(tw.AddMember(ctx, r.Circle, r.Twin))
	case schema.WsRequest_Which_removeMember:
		return circleResponse(r.ID)(tw.RemoveMember(ctx, r.Circle, r.Twin))
	case schema.WsRequest_Which_deleteCircle:
		return ok(tw.DeleteCircle(ctx, r.Circle))
	case schema.WsRequest_Which_circleChat:
		sent, err := tw.SendCircleChat(ctx, r.Circle, r.Text)
		if err != nil {
			return nil, err
		}
		return response(r.ID, func(resp schema.WsResponse) error {
			l, err := resp.NewChats(int32(len(sent)))
			if err != nil {
				return err
			}
			for i, m := range sent {
				if err := fillChat(l.At(i), m); err != nil {
					return err
				}
			}
			return nil
		})
	case schema.WsRequest_Which_accessList:
		f, err := tw.SharedFile(r.SHA256)
		return fileResponse(r.ID)(f, err)
	case schema.WsRequest_Which_shareFile:
		return fileResponse(r.ID)(tw.GrantAccess(ctx, r.SHA256, r.Twins, r.Circles))
	case schema.WsRequest_Which_replaceAccess:
		return fileResponse(r.ID)(tw.ReplaceAccess(ctx, r.SHA256, r.Twins, r.Circles))
	case schema.WsRequest_Which_sessions:
		all, err := cs.s.cfg.Auth.Sessions()
		if err != nil {
			return nil, err
		}
		return response(r.ID, func(resp schema.WsResponse) error {
			l, err := resp.NewSessions(int32(len(all)))
			if err != nil {
				return err
			}
			return fillSessions(l, all, cs.se.ID)
		})
	case schema.WsRequest_Which_revokeSession:
		if err := cs.s.cfg.Auth.Revoke(r.Text); err != nil {
			return nil, err
		}
		out, err := ok(nil)
		if err == nil && r.Text == cs.se.ID {
			// Answer before this connection closes with the session's others.
			err = cs.write(out)
			out = nil
		}
		cs.s.CloseSession(r.Text)
		return out, err
	}
	return nil, fmt.Errorf("request %v is not served", r.Which)
}
