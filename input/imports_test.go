package input

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

// TestImportPolicy keeps capture a leaf: standard library only, no cgo, no
// unsafe, so it builds for GOOS=js GOARCH=wasm and never pulls a backend in.
func TestImportPolicy(t *testing.T) {
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		require.NoError(t, err)
		f, err := parser.ParseFile(fset, name, src, parser.ImportsOnly)
		require.NoError(t, err)
		for _, imp := range f.Imports {
			path, err := strconv.Unquote(imp.Path.Value)
			require.NoError(t, err)
			first, _, _ := strings.Cut(path, "/")
			require.NotContains(t, first, ".", "%s imports %s: input may import the standard library only", name, path)
			require.NotEqual(t, "C", path, "%s uses cgo", name)
			require.NotEqual(t, "unsafe", path, "%s imports unsafe", name)
		}
	}
}
