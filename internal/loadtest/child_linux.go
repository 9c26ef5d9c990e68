package loadtest

import (
	"os/exec"
	"syscall"
)

// setDeathSignal makes the kernel stop the child when the load process
// dies, so no service is left running.
func setDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
