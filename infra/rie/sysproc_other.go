//go:build !linux

package rie

import "syscall"

// sysProcAttr: no parent-death signal outside Linux; Stop still kills the
// emulator.
func sysProcAttr() *syscall.SysProcAttr { return nil }

// killGroup does nothing outside Linux; Stop kills the emulator itself.
func killGroup(int) {}

// listens cannot tell who holds a port outside Linux: a successful dial
// is taken as the emulator's.
func listens(int, int) (bool, error) { return true, nil }
