package rie

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
)

// sysProcAttr puts the emulator in a process group of its own (Stop kills
// the group: the emulator and the function it started) and kills it when
// the process that started it dies.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
}

// killGroup kills the process group led by pid.
func killGroup(pid int) { _ = syscall.Kill(-pid, syscall.SIGKILL) }

// listens reports whether the process pid holds a listening TCP socket on
// 127.0.0.1:port, as /proc tells: a successful dial alone cannot tell the
// emulator from another process that bound the port first (the emulator
// then panics, but only after the dial may have been answered).
func listens(pid, port int) (bool, error) {
	table, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		return false, fmt.Errorf("rie: read the socket table: %w", err)
	}
	// local_address is the IPv4 address as a host-order hex word and the
	// port in hex; st 0A is LISTEN; the tenth field is the socket's inode.
	var sockets []string
	for _, line := range strings.Split(string(table), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) < 10 || f[3] != "0A" {
			continue
		}
		if f[1] == fmt.Sprintf("0100007F:%04X", port) || f[1] == fmt.Sprintf("7F000001:%04X", port) {
			sockets = append(sockets, "socket:["+f[9]+"]")
		}
	}
	if len(sockets) == 0 {
		return false, nil
	}
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	fds, err := os.ReadDir(dir)
	if err != nil {
		return false, fmt.Errorf("rie: list the emulator's descriptors: %w", err)
	}
	for _, fd := range fds {
		if target, err := os.Readlink(filepath.Join(dir, fd.Name())); err == nil && slices.Contains(sockets, target) {
			return true, nil
		}
	}
	return false, nil
}
