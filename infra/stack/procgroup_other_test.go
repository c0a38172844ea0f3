//go:build !unix

package stack_test

import "os/exec"

// ownGroup: elsewhere cancelling kills the CLI only.
func ownGroup(*exec.Cmd) {}
