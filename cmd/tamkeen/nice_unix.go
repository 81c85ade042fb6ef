//go:build unix

package main

import "syscall"

// yieldCPU lowers this process's CPU priority (nice 10), so that a backup
// or restore running beside serve gives way to the people being answered.
func yieldCPU() { _ = syscall.Setpriority(syscall.PRIO_PROCESS, 0, 10) }
