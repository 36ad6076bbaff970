package codec

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestImports enforces the import policy of doc.go: the standard library,
// klauspost/compress and zeebo/xxh3 only; no cgo, no unsafe (the package must
// build for js/wasm and stay the lowest layer).
func TestImports(t *testing.T) {
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		require.NoError(t, err)
		f, err := parser.ParseFile(token.NewFileSet(), name, src, parser.ImportsOnly)
		require.NoError(t, err)
		for _, imp := range f.Imports {
			path, err := strconv.Unquote(imp.Path.Value)
			require.NoError(t, err)
			first, _, _ := strings.Cut(path, "/")
			allowed := !strings.Contains(first, ".") && path != "C" && path != "unsafe" ||
				strings.HasPrefix(path, "github.com/klauspost/compress/") ||
				path == "github.com/zeebo/xxh3"
			require.True(t, allowed, "%s imports %q, which codec must not import", name, path)
			checked++
		}
	}
	require.NotZero(t, checked)
}
