//go:build !linux

package localaws

import "syscall"

// sysProcAttr puts the server in its own process group; only Linux can also
// tie its life to ours, so elsewhere Stop must be called.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
