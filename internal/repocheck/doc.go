// Package repocheck holds tests of the repository itself rather than of a program: what may be
// committed (no program binaries, nothing over 1 MiB unless explained).
package repocheck
