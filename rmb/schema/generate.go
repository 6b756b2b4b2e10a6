// Package schema holds the Cap'n Proto schemas of the message bus and the Go code generated from them.
//
// The generated files are committed; `go generate ./...` (or `make generate`) rebuilds them with
// Debian's capnp compiler and capnpc-go at the same version as the capnproto.org/go/capnp/v3 library.
package schema

//go:generate ./gen.sh
