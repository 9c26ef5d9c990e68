//go:build !linux

package loadtest

import "os/exec"

// setDeathSignal: only Linux stops a child when its parent dies.
func setDeathSignal(*exec.Cmd) {}
