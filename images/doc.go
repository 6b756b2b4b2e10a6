// Package images holds the deployment artifacts (Zero-OS rootfs with zinit services,
// Dockerfile, Kubernetes manifests, Terraform for the ThreeFold grid) and the tests that check them.
package images
