// Package version holds the build's version string, set by the linker.
package version

// Version is the release or commit this binary was built from.
var Version = "dev"
