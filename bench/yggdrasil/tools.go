//go:build tools

// Package yggdrasil pins vanilla yggdrasil v0.5.14, the reference the pnicd benchmark compares
// against: go build -o DIR github.com/yggdrasil-network/yggdrasil-go/cmd/yggdrasil
package yggdrasil

import _ "github.com/yggdrasil-network/yggdrasil-go/cmd/yggdrasil"
