package xvfb

import (
	"os/exec"
	"testing"
)

func TestStartTwoServers(t *testing.T) {
	a := ForTest(t, 320, 200)
	b := ForTest(t, 320, 200)
	if a.Display == b.Display {
		t.Fatalf("two servers share display %s", a.Display)
	}
	if _, err := exec.LookPath("xdpyinfo"); err != nil {
		t.Skip("xdpyinfo not installed")
	}
	cmd := exec.Command("xdpyinfo")
	cmd.Env = a.Env()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("xdpyinfo on %s: %v\n%s", a.Display, err, out)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal("second Close:", err)
	}
}
