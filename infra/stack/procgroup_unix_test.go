//go:build unix

package stack_test

import (
	"os/exec"
	"syscall"
)

// ownGroup makes cmd the leader of a process group that cancelling kills
// whole: `cdk synth` starts `go run`, which starts the app and jsii's node.
func ownGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}
