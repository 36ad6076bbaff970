package signaling

import (
	"go/build"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestImportPolicy enforces doc.go: only the standard library, coder/websocket and x/time/rate,
// on every platform, and a client side that builds for the browser without the server.
func TestImportPolicy(t *testing.T) {
	allowed := []string{"github.com/coder/websocket", "golang.org/x/time/rate"}
	for _, target := range []struct{ goos, goarch string }{{"linux", "amd64"}, {"windows", "amd64"}, {"darwin", "arm64"}, {"js", "wasm"}} {
		ctx := build.Default
		ctx.GOOS, ctx.GOARCH = target.goos, target.goarch
		pkg, err := ctx.ImportDir(".", 0)
		require.NoError(t, err, target.goos)
		for _, imp := range pkg.Imports {
			std := !strings.Contains(strings.Split(imp, "/")[0], ".")
			assert.True(t, std || slices.Contains(allowed, imp), "%s/%s imports %s", target.goos, target.goarch, imp)
		}
		if target.goos == "js" {
			assert.NotContains(t, pkg.GoFiles, "server.go")
			assert.Contains(t, pkg.GoFiles, "client.go")
		}
	}
}
