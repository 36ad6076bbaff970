package screenshot

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestImportPolicy checks every non-test file, whatever its build tags:
// screenshot may import capture only (no other backend, no pion).
func TestImportPolicy(t *testing.T) {
	allowed := []string{"github.com/deskhand/deskhand/capture"}
	forbidden := []string{"unsafe"}
	files, err := filepath.Glob("*.go")
	if err != nil || len(files) == 0 {
		t.Fatal("no Go files", err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if slices.Contains(forbidden, path) {
				t.Errorf("%s imports %s", name, path)
			}
			if strings.Contains(path, "pion") {
				t.Errorf("%s imports %s: no pion below rdp", name, path)
			}
			if strings.HasPrefix(path, "github.com/deskhand/deskhand") && !slices.Contains(allowed, path) {
				t.Errorf("%s imports %s; allowed deskhand packages: %v", name, path, allowed)
			}
		}
	}
}
