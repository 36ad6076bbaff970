package layering

import (
	"encoding/json"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/deskhand/deskhand"

type pkg struct {
	ImportPath string
	Imports    []string
	Deps       []string
	CgoFiles   []string
	Standard   bool
}

// listAll runs go list over the whole module with the given environment.
func listAll(t *testing.T, env ...string) map[string]pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-json", module+"/...")
	cmd.Dir = moduleRoot(t)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pkgs := map[string]pkg{}
	dec := json.NewDecoder(out)
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs[p.ImportPath] = p
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("go list: %v", err)
	}
	return pkgs
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(strings.TrimSpace(string(out)), "/go.mod")
}

func rel(path string) string {
	if path == module {
		return "."
	}
	return strings.TrimPrefix(path, module+"/")
}

func under(path, dir string) bool { return path == dir || strings.HasPrefix(path, dir+"/") }

// allowed says which deskhand packages a deskhand package may import
// directly. A package not named here may import only what its own rule
// says; the core packages are listed explicitly.
func allowed(from, to string) bool {
	switch {
	case under(from, "examples"):
		// Apps use the public API, plus test tooling.
		return !under(to, "bench") && (!under(to, "examples") || strings.HasPrefix(to, from+"/"))
	case under(from, "bench"):
		// The benchmark suite's parts share its internals, never the apps'.
		return !under(to, "examples") && to != "bench"
	case from == "codec", from == "capture", from == "input", from == "signaling", from == "clipboard":
		return false
	// The X11 backends share display-name parsing and Xauthority
	// (internal/xdisplay) and the connect step (internal/xconn).
	case from == "capture/x11":
		return to == "capture" || to == "internal/xdisplay" || to == "internal/xconn"
	case from == "clipboard/x11":
		return to == "clipboard" || to == "internal/xdisplay" || to == "internal/xconn"
	case under(from, "capture"): // platform backends
		return to == "capture"
	case from == "input/x11":
		return to == "input" || to == "internal/xdisplay" || to == "internal/xconn"
	case under(from, "input"):
		return to == "input"
	case under(from, "clipboard"): // platform backends
		return to == "clipboard"
	case from == "rdp":
		return to == "codec" || to == "capture" || to == "input" || to == "signaling" || to == "clipboard" ||
			to == "internal/peerapi"
	case from == "web":
		return false // serves embedded bytes; std-only, see stdOnly
	case from == "web/wasm":
		// The browser viewer: rdp's viewer side and what it speaks.
		return to == "rdp" || to == "signaling" || to == "input" || to == "codec" || to == "clipboard"
	case under(from, "web"):
		return false // web/internal/gen builds the module with the go command
	case from == "internal/xdisplay":
		return false // std-only, see stdOnly
	case from == "internal/xconn":
		return to == "internal/xdisplay" // and xgb
	case from == "internal/peerapi":
		// pion's API for rdp and bench, over a batching UDP socket.
		return to == "internal/udpbatch"
	case from == "internal/udpbatch":
		return false // the standard library and golang.org/x/sys
	case under(from, "internal"):
		return under(to, "internal")
	}
	return false
}

// stdOnly lists the deskhand packages that may import the standard library
// and nothing else: importing them must bring in no other dependency.
var stdOnly = []string{"internal/xdisplay", "web", "web/internal/gen"}

// isStd reports whether an import path names a standard library package:
// its first element has no dot.
func isStd(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

func TestImportPolicy(t *testing.T) {
	pkgs := listAll(t)
	seen := 0
	for path, p := range pkgs {
		if !under(path, module) {
			continue
		}
		seen++
		from := rel(path)
		for _, imp := range p.Imports {
			if !under(imp, module) {
				continue
			}
			to := rel(imp)
			if !allowed(from, to) {
				t.Errorf("%s imports %s, which the layering of STYLE.md forbids", from, to)
			}
		}
	}
	if seen < 8 {
		t.Fatalf("go list found only %d deskhand packages", seen)
	}
}

// TestStdOnly: the packages of stdOnly depend on the standard library alone.
func TestStdOnly(t *testing.T) {
	pkgs := listAll(t)
	// The check must be able to see a non-standard package.
	if !pkgs["net"].Standard || pkgs[module+"/capture"].Standard {
		t.Fatal("go list's Standard field is not as expected: the check is broken")
	}
	for _, name := range stdOnly {
		p, ok := pkgs[module+"/"+name]
		if !ok {
			t.Errorf("package %s not found", name)
			continue
		}
		for _, d := range p.Deps {
			if !pkgs[d].Standard {
				t.Errorf("%s depends on %s: it may use the standard library only", name, d)
			}
		}
	}
}

// TestCorePackagesHaveNoPion keeps WebRTC inside rdp.
func TestCorePackagesHaveNoPion(t *testing.T) {
	pkgs := listAll(t)
	for _, core := range []string{"codec", "capture", "input", "signaling", "clipboard", "clipboard/x11"} {
		p, ok := pkgs[module+"/"+core]
		if !ok {
			t.Errorf("package %s not found", core)
			continue
		}
		for _, d := range p.Deps {
			if strings.HasPrefix(d, "github.com/pion/") {
				t.Errorf("%s depends on %s: only rdp may use pion", core, d)
				break
			}
		}
	}
}

// TestCgoOnlyInBackends: the engine itself builds without a C compiler;
// cgo stays in platform backends behind their own packages.
func TestCgoOnlyInBackends(t *testing.T) {
	pkgs := listAll(t, "CGO_ENABLED=1")
	usesCgo := func(path string) bool {
		p := pkgs[path]
		for _, d := range append([]string{p.ImportPath}, p.Deps...) {
			if dp := pkgs[d]; len(dp.CgoFiles) > 0 && !dp.Standard {
				return true
			}
		}
		return false
	}
	// The check must be able to see cgo: robotgo is cgo.
	if !usesCgo(module + "/input/robotgo") {
		t.Fatal("input/robotgo shows no cgo dependency: the detection is broken")
	}
	for _, core := range []string{"codec", "capture", "input", "signaling", "rdp", "capture/x11", "clipboard", "clipboard/x11"} {
		p, ok := pkgs[module+"/"+core]
		if !ok {
			t.Errorf("package %s not found", core)
			continue
		}
		if usesCgo(p.ImportPath) {
			t.Errorf("%s depends on a package that uses cgo", core)
		}
	}
}

// TestWasmBuild: the viewer side must run in the browser.
func TestWasmBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds for GOOS=js; slow")
	}
	cmd := exec.Command("go", "build", "-o", os.DevNull,
		module+"/codec", module+"/capture", module+"/input", module+"/signaling", module+"/rdp",
		module+"/clipboard")
	cmd.Dir = moduleRoot(t)
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("GOOS=js GOARCH=wasm go build: %v\n%s", err, out)
	}
}

func TestPolicyCanFail(t *testing.T) {
	// The rules above must reject what STYLE.md forbids.
	for _, c := range [][2]string{
		{"codec", "capture"}, {"signaling", "rdp"}, {"rdp", "capture/x11"}, {"rdp", "input/robotgo"},
		{"capture", "internal/xvfb"}, {"input", "codec"}, {"capture/x11", "input"},
		{"clipboard", "capture"}, {"clipboard/x11", "capture"}, {"capture/x11", "clipboard"},
		{"rdp", "clipboard/x11"}, {"clipboard", "internal/xvfb"},
		{"capture/x11", "internal/xvfb"}, {"clipboard/x11", "internal/xvfb"}, {"capture/x11", "clipboard/x11"},
		{"capture/screenshot", "internal/xdisplay"}, {"input/robotgo", "internal/xdisplay"},
		{"capture", "internal/xdisplay"}, {"internal/xdisplay", "internal/xvfb"}, {"internal/xdisplay", "capture"},
		{"capture/screenshot", "internal/xconn"}, {"input/robotgo", "internal/xconn"}, {"internal/xconn", "capture"},
		{"internal/xconn", "internal/xvfb"}, {"web", "rdp"}, {"web/wasm", "capture"}, {"web/wasm", "capture/x11"},
		{"web/internal/gen", "rdp"}, {"codec", "web"},
		{"codec", "internal/peerapi"}, {"signaling", "internal/peerapi"}, {"internal/peerapi", "rdp"},
		{"internal/peerapi", "internal/xvfb"}, {"internal/udpbatch", "internal/peerapi"},
	} {
		if allowed(c[0], c[1]) {
			t.Errorf("policy allows %s -> %s", c[0], c[1])
		}
	}
	for _, c := range [][2]string{{"rdp", "codec"}, {"capture/x11", "capture"}, {"examples/agent", "rdp"}, {"bench", "internal/xvfb"},
		{"clipboard/x11", "clipboard"}, {"rdp", "clipboard"},
		{"capture/x11", "internal/xdisplay"}, {"clipboard/x11", "internal/xdisplay"}, {"input/x11", "internal/xdisplay"},
		{"capture/x11", "internal/xconn"}, {"clipboard/x11", "internal/xconn"}, {"input/x11", "internal/xconn"}, {"internal/xconn", "internal/xdisplay"},
		{"web/wasm", "rdp"}, {"web/wasm", "signaling"}, {"examples/signaling", "web"},
		{"rdp", "internal/peerapi"}, {"bench/internal/e2e", "internal/peerapi"}, {"internal/peerapi", "internal/udpbatch"}} {
		if !allowed(c[0], c[1]) {
			t.Errorf("policy refuses %s -> %s", c[0], c[1])
		}
	}
	if !isStd("net/http") || isStd("github.com/jezek/xgb") || isStd(module+"/capture") {
		t.Error("isStd misclassifies an import path")
	}
}

// TestSourceImportsOnEveryPlatform reads the imports of every non-test Go
// file, whatever its build tags, so files for Windows, macOS or the browser
// obey the same rules as those go list sees here.
func TestSourceImportsOnEveryPlatform(t *testing.T) {
	root := moduleRoot(t)
	files := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		files++
		dir, _ := filepath.Rel(root, filepath.Dir(path))
		from := filepath.ToSlash(dir)
		for _, imp := range f.Imports {
			to, _ := strconv.Unquote(imp.Path.Value)
			switch {
			case slices.Contains(stdOnly, from) && !isStd(to):
				t.Errorf("%s imports %s: %s may use the standard library only", path, to, from)
			case under(to, module):
				if r := rel(to); !allowed(from, r) {
					t.Errorf("%s imports %s, which the layering of STYLE.md forbids", path, r)
				}
			case strings.HasPrefix(to, "github.com/pion/"):
				if from != "rdp" && from != "internal/peerapi" && !under(from, "examples") && !under(from, "bench") {
					t.Errorf("%s imports %s: only rdp may use pion", path, to)
				}
			case to == "C":
				if !strings.HasPrefix(from, "input/") && !strings.HasPrefix(from, "capture/") {
					t.Errorf("%s uses cgo: only platform backends may", path)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 30 {
		t.Fatalf("read only %d Go files", files)
	}
}
