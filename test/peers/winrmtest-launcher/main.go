// Launches Debian's winrmtest (a loose WinRM mock: no auth, one Receive, no stderr) on a random
// loopback port with a few canned commands, prints "PORT <n>" and serves until stdin closes.
// Built by test/peers/winrmtest.ts with GOPATH=/usr/share/gocode GO111MODULE=off.
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/dylanmei/winrmtest"
)

func main() {
	r := winrmtest.NewRemote()
	defer r.Close()
	r.CommandFunc(winrmtest.MatchText("echo hello-winrm"), func(out, _ io.Writer) int {
		io.WriteString(out, "hello-winrm\r\n")
		return 0
	})
	r.CommandFunc(winrmtest.MatchText("exit /b 3"), func(_, _ io.Writer) int { return 3 })
	r.CommandFunc(winrmtest.MatchPattern(`^powershell\.exe -NoProfile -NonInteractive -EncodedCommand `), func(out, _ io.Writer) int {
		io.WriteString(out, "ps-ok\r\n")
		return 0
	})
	fmt.Printf("PORT %d\n", r.Port)
	io.Copy(io.Discard, os.Stdin)
}
