package rie

import "syscall"

// sysProcAttr puts the emulator in a process group of its own (Stop kills
// the group: the emulator and the function it started) and kills it when
// the process that started it dies.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
}

// killGroup kills the process group led by pid.
func killGroup(pid int) { _ = syscall.Kill(-pid, syscall.SIGKILL) }
