// Package ledger is the seam between a pinning node (pind) and the chain that holds the pinset: who
// pinned which CID, which nodes hold it, which nodes are alive, and what each owner has paid. pind
// talks only to a Ledger; the chain's implementation lives in its own package, and Memory is one in
// this package for tests and for a node run without a chain.
//
// CIDs cross this seam in their canonical string form (cid.Cid.String()), so the package needs no
// IPFS dependency.
package ledger

import (
	"context"
	"crypto/ed25519"
	"errors"
	"time"
)

// Errors a Ledger returns, checked with errors.Is; pind maps them to the Pinning Service API's.
var (
	ErrInsufficientFunds = errors.New("insufficient funds") // 409 INSUFFICIENT_FUNDS
	ErrUnauthorized      = errors.New("unauthorized")       // 401: bad, expired or foreign token
	ErrNotFound          = errors.New("not found")          // 404
	ErrInvalid           = errors.New("invalid request")    // 400
)

// NodeKey is a pinning node's ed25519 public key, its identity on the chain.
type NodeKey [32]byte

// Node is a registered pinning node.
type Node struct {
	Key          NodeKey
	PNIC         [32]byte  // the PNIC the node sits beside (its overlay address derives from it)
	Name         string    // its topology/host name, shown in info.allocations
	API          string    // base URL of its HTTP API as other nodes reach it
	Capacity     uint64    // bytes it offers
	PriceStorage uint64    // balance units per GiB-month stored
	PriceServed  uint64    // balance units per GiB served
	LastSeen     time.Time // block time of its last heartbeat
	Live         bool      // heartbeat within the grace period
}

// HolderState is how far one allocated node has come with a pin.
type HolderState uint8

// Holder states, in order.
const (
	Allocated HolderState = iota + 1 // chosen, has not confirmed yet
	Held                             // confirmed it stores every block
)

// Holder is one node a pin is allocated to.
type Holder struct {
	Node  NodeKey
	State HolderState
}

// Pin is one owner's pin of one CID as the chain records it.
type Pin struct {
	Owner     uint64            // twin id
	CID       string            // canonical CID string
	Name      string            // the request's name, may be empty
	Meta      map[string]string // the request's meta, small
	Size      uint64            // the DAG's bytes, as the receiving node imported them
	Replicas  int               // how many nodes keep it
	Created   time.Time         // unique per owner below the second (Kubo pages by it)
	RequestID string            // stable id for the Pinning Service API's /pins/{requestid}
	Holders   []Holder          // the nodes allocated to it (shared by every owner of the CID)
}

// Query filters an owner's pins for listing; zero fields do not filter.
type Query struct {
	CIDs   []string
	Name   string // exact match; pind applies the spec's other match modes itself
	Before time.Time
	After  time.Time
	Limit  int // at most 1000
}

// Account is an owner's balance and usage as the chain bills them.
type Account struct {
	Balance      uint64
	StoredBytes  uint64    // bytes × replicas currently pinned
	ServedBytes  uint64    // bytes served so far
	PriceStorage uint64    // balance units per GiB-month (what a replica costs the owner)
	PriceServed  uint64    // balance units per GiB served
	Unpaid       uint64    // units charged that the balance could not pay, so far
	UnpaidSince  time.Time // when a settlement first found the balance short; zero when paid up
	RemovalAt    time.Time // when the pins of an unpaid owner start being removed; zero when paid up
}

// Request is an owner's pin as a node submits it.
type Request struct {
	Token    string // the owner's bearer token (chain/token), checked by the chain too
	CID      string
	Name     string
	Meta     map[string]string
	Size     uint64
	Replicas int // 0 means the chain's default
}

// Allocation tells a node that it must hold (or may drop) a CID.
type Allocation struct {
	CID  string
	Size uint64
	Hold bool      // false: no longer allocated here, the node may drop the blocks
	From []NodeKey // holders that already store it, to fetch from
}

// Ledger is what a pinning node needs from the chain.
type Ledger interface {
	// Owner checks a bearer token and returns the twin it speaks for.
	Owner(ctx context.Context, token string) (uint64, error)
	// Pin records the pin (or replaces the same owner's pin of the same CID) and returns it with
	// its allocations.
	Pin(ctx context.Context, r Request) (Pin, error)
	// Unpin removes the owner's pin of cid; the CID stays allocated while another owner pins it.
	Unpin(ctx context.Context, token, cid string) error
	// Get returns the owner's pin of cid.
	Get(ctx context.Context, owner uint64, cid string) (Pin, error)
	// List returns the owner's pins matching q, newest first, and how many match in total.
	List(ctx context.Context, owner uint64, q Query) ([]Pin, int, error)
	// Confirm tells the chain that this node now stores every block of cid.
	Confirm(ctx context.Context, cid string) error
	// Allocations streams what this node must hold: first the current set, then changes, until ctx ends.
	Allocations(ctx context.Context) (<-chan Allocation, error)
	// Nodes lists the registered pinning nodes.
	Nodes(ctx context.Context) ([]Node, error)
	// Heartbeat proves this node alive and reports bytes served per owner since the last one.
	Heartbeat(ctx context.Context, served map[uint64]uint64) error
	// Account returns an owner's balance and usage.
	Account(ctx context.Context, owner uint64) (Account, error)
	// TwinKey returns a twin's current signing key.
	TwinKey(ctx context.Context, twin uint64) (ed25519.PublicKey, error)
}
