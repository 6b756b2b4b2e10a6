// Package protect stands in for suah.dev/protect, whose calls act only on OpenBSD and which
// the module proxy does not serve; on Linux the real package does nothing either.
package protect

// Pledge does nothing on Linux.
func Pledge(promises string) error { return nil }

// Unveil does nothing on Linux.
func Unveil(path string, perms string) error { return nil }

// UnveilBlock does nothing on Linux.
func UnveilBlock() error { return nil }
