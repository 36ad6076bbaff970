package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The build's settings: part of the source hash, so that changing them
// makes the committed module stale.
var buildFlags = []string{"-trimpath", "-ldflags=-s -w"}

const (
	wasmPkg   = "./wasm"
	assetsDir = "assets"
	wasmGz    = "viewer.wasm.gz"
	wasmExec  = "wasm_exec.js"
	stampName = "viewer.wasm.txt"
	// maxGzip is the budget for the compressed download.
	maxGzip = 3 << 20
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	err := run(ctx, os.Args[1:], os.Stdout)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	dir := fs.String("dir", ".", "the web package's folder")
	check := fs.Bool("check", false, "only check that the committed assets match the sources")
	verify := fs.Bool("verify", false, "with -check: also rebuild the module and compare it byte for byte")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *check || *verify {
		return checkAssets(ctx, *dir, *verify, stdout)
	}
	return generate(ctx, *dir, stdout)
}

// stamp is what viewer.wasm.txt records.
type stamp struct {
	GoVersion  string
	SourceHash string
	WasmHash   string
	WasmSize   int
	GzipSize   int
}

func (s stamp) marshal() []byte {
	var b bytes.Buffer
	fmt.Fprintln(&b, "# Written by `go generate ./web` (web/internal/gen); do not edit.")
	fmt.Fprintln(&b, "go", s.GoVersion)
	fmt.Fprintln(&b, "source", s.SourceHash)
	fmt.Fprintln(&b, "wasm", s.WasmHash, s.WasmSize)
	fmt.Fprintln(&b, "gzip", s.GzipSize)
	return b.Bytes()
}

func parseStamp(b []byte) (stamp, error) {
	var s stamp
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		var err error
		switch {
		case f[0] == "go" && len(f) == 2:
			s.GoVersion = f[1]
		case f[0] == "source" && len(f) == 2:
			s.SourceHash = f[1]
		case f[0] == "wasm" && len(f) == 3:
			s.WasmHash = f[1]
			s.WasmSize, err = strconv.Atoi(f[2])
		case f[0] == "gzip" && len(f) == 2:
			s.GzipSize, err = strconv.Atoi(f[1])
		default:
			err = fmt.Errorf("unknown line %q", sc.Text())
		}
		if err != nil {
			return s, fmt.Errorf("%s: %w", stampName, err)
		}
	}
	if s.GoVersion == "" || s.SourceHash == "" || s.WasmHash == "" {
		return s, fmt.Errorf("%s: incomplete", stampName)
	}
	return s, nil
}

func generate(ctx context.Context, dir string, stdout io.Writer) error {
	goVersion, goroot, err := toolchain(ctx, dir)
	if err != nil {
		return err
	}
	src, err := sourceHash(ctx, dir, goVersion)
	if err != nil {
		return err
	}
	raw, err := build(ctx, dir)
	if err != nil {
		return err
	}
	gz, err := compress(raw)
	if err != nil {
		return err
	}
	if len(gz) > maxGzip {
		return fmt.Errorf("the compressed module is %d bytes, over the %d-byte budget: trim the viewer's imports", len(gz), maxGzip)
	}
	js, err := os.ReadFile(wasmExecPath(goroot))
	if err != nil {
		return fmt.Errorf("the toolchain's wasm_exec.js: %w", err)
	}
	sum := sha256.Sum256(raw)
	st := stamp{GoVersion: goVersion, SourceHash: src, WasmHash: hex.EncodeToString(sum[:]), WasmSize: len(raw), GzipSize: len(gz)}
	out := filepath.Join(dir, assetsDir)
	for name, b := range map[string][]byte{wasmGz: gz, wasmExec: js, stampName: st.marshal()} {
		if err := os.WriteFile(filepath.Join(out, name), b, 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "gen: %s: %d bytes, %d gzipped (%s)\n", filepath.Join(out, wasmGz), len(raw), len(gz), goVersion)
	return nil
}

func checkAssets(ctx context.Context, dir string, rebuild bool, stdout io.Writer) error {
	const fix = "run `go generate ./web` and commit web/assets"
	out := filepath.Join(dir, assetsDir)
	b, err := os.ReadFile(filepath.Join(out, stampName))
	if err != nil {
		return fmt.Errorf("%w; %s", err, fix)
	}
	st, err := parseStamp(b)
	if err != nil {
		return fmt.Errorf("%w; %s", err, fix)
	}
	goVersion, goroot, err := toolchain(ctx, dir)
	if err != nil {
		return err
	}
	if st.GoVersion != goVersion {
		return fmt.Errorf("the viewer's module was built with %s, this toolchain is %s; %s", st.GoVersion, goVersion, fix)
	}
	src, err := sourceHash(ctx, dir, goVersion)
	if err != nil {
		return err
	}
	if src != st.SourceHash {
		return fmt.Errorf("the viewer's sources (web/wasm and what it imports) changed since its module was built; %s", fix)
	}
	gz, err := os.ReadFile(filepath.Join(out, wasmGz))
	if err != nil {
		return fmt.Errorf("%w; %s", err, fix)
	}
	raw, err := decompress(gz)
	if err != nil {
		return fmt.Errorf("%s: %w; %s", wasmGz, err, fix)
	}
	if sum := sha256.Sum256(raw); hex.EncodeToString(sum[:]) != st.WasmHash || len(gz) != st.GzipSize {
		return fmt.Errorf("%s does not match %s; %s", wasmGz, stampName, fix)
	}
	js, err := os.ReadFile(wasmExecPath(goroot))
	if err != nil {
		return fmt.Errorf("the toolchain's wasm_exec.js: %w", err)
	}
	committed, err := os.ReadFile(filepath.Join(out, wasmExec))
	if err != nil || !bytes.Equal(js, committed) {
		return fmt.Errorf("%s differs from the toolchain's; %s", filepath.Join(out, wasmExec), fix)
	}
	if rebuild {
		fresh, err := build(ctx, dir)
		if err != nil {
			return err
		}
		if !bytes.Equal(fresh, raw) {
			return fmt.Errorf("a fresh build of the viewer differs from %s though the sources match: is the build reproducible here (same toolchain, no GOFLAGS)? %s", wasmGz, fix)
		}
	}
	fmt.Fprintf(stdout, "gen: %s is up to date (%d bytes, %d gzipped)\n", filepath.Join(out, wasmGz), st.WasmSize, st.GzipSize)
	return nil
}

// goCmd runs the go command for the js/wasm build, with no GOFLAGS from
// the caller's environment: they would change the build but not the hash.
func goCmd(ctx context.Context, dir string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm", "CGO_ENABLED=0", "GOFLAGS=")
	return cmd
}

func output(cmd *exec.Cmd) ([]byte, error) {
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s: %w\n%s", strings.Join(cmd.Args, " "), err, stderr.Bytes())
	}
	return out, nil
}

func toolchain(ctx context.Context, dir string) (version, goroot string, err error) {
	out, err := output(goCmd(ctx, dir, "env", "GOVERSION", "GOROOT"))
	if err != nil {
		return "", "", err
	}
	f := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(f) != 2 {
		return "", "", fmt.Errorf("go env: unexpected output %q", out)
	}
	return strings.TrimSpace(f[0]), strings.TrimSpace(f[1]), nil
}

// wasmExecPath is where the toolchain keeps wasm_exec.js: lib/wasm since
// Go 1.24, misc/wasm before.
func wasmExecPath(goroot string) string {
	p := filepath.Join(goroot, "lib", "wasm", wasmExec)
	if _, err := os.Stat(p); err != nil {
		return filepath.Join(goroot, "misc", "wasm", wasmExec)
	}
	return p
}

func build(ctx context.Context, dir string) ([]byte, error) {
	tmp, err := os.MkdirTemp("", "deskhand-wasm-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "viewer.wasm")
	args := append([]string{"build"}, buildFlags...)
	if _, err := output(goCmd(ctx, dir, append(args, "-o", bin, wasmPkg)...)); err != nil {
		return nil, err
	}
	return os.ReadFile(bin)
}

// compress gzips b at the best level, with no name or time in the
// header, so the same module always gives the same file.
func compress(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(b); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func decompress(gz []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(io.LimitReader(zr, 256<<20))
}

// listed is what sourceHash reads from go list.
type listed struct {
	ImportPath string
	Dir        string
	Standard   bool
	GoFiles    []string
	EmbedFiles []string
	Module     *struct {
		Path, Version string
		Main          bool
		Replace       *struct{ Path, Version string }
	}
}

// sourceHash hashes what the module is built from: the toolchain version
// (which fixes the standard library), the build settings, every file of
// this module's packages in the build, and the version of every other
// module in it.
func sourceHash(ctx context.Context, dir, goVersion string) (string, error) {
	out, err := output(goCmd(ctx, dir, "list", "-deps", "-json", wasmPkg))
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00", goVersion, strings.Join(buildFlags, " "), runtime.Compiler)
	var entries []string
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listed
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return "", fmt.Errorf("go list: %w", err)
		}
		switch {
		case p.Standard:
			continue
		case p.Module == nil:
			return "", fmt.Errorf("go list: package %s has no module", p.ImportPath)
		case p.Module.Main || (p.Module.Replace != nil && p.Module.Replace.Version == ""):
			// Our own code, or a module replaced by a folder: its files.
			fh := sha256.New()
			for _, f := range append(slices.Clone(p.GoFiles), p.EmbedFiles...) {
				b, err := os.ReadFile(filepath.Join(p.Dir, f))
				if err != nil {
					return "", err
				}
				fmt.Fprintf(fh, "%s\x00%d\x00", f, len(b))
				fh.Write(b)
			}
			entries = append(entries, p.ImportPath+" "+hex.EncodeToString(fh.Sum(nil)))
		default:
			v := p.Module.Path + "@" + p.Module.Version
			if r := p.Module.Replace; r != nil {
				v += "=>" + r.Path + "@" + r.Version
			}
			entries = append(entries, p.ImportPath+" "+v)
		}
	}
	slices.Sort(entries)
	for _, e := range entries {
		fmt.Fprintf(h, "%s\n", e)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
