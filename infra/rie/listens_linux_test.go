package rie

import (
	"net"
	"os"
	"os/exec"
	"testing"
)

// TestListensTellsWhoHoldsThePort: the readiness check takes a port as the
// emulator's only if that very process listens on it, so a port another
// process took between freePorts and the emulator's bind is not mistaken
// for a ready emulator.
func TestListensTellsWhoHoldsThePort(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port

	other := exec.Command("sleep", "60")
	if err := other.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = other.Process.Kill(); _ = other.Wait() }()

	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	freePort := free.Addr().(*net.TCPAddr).Port
	free.Close()

	for _, tt := range []struct {
		name      string
		pid, port int
		want      bool
	}{
		{"the listener's own process", os.Getpid(), port, true},
		{"another process", other.Process.Pid, port, false},
		{"a port nobody listens on", os.Getpid(), freePort, false},
	} {
		got, err := listens(tt.pid, tt.port)
		if err != nil || got != tt.want {
			t.Errorf("%s: listens = %v, %v; want %v", tt.name, got, err, tt.want)
		}
	}
}
