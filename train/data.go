package train

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/bits"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/descent-ml/descent/data"
	"github.com/descent-ml/descent/optim"
)

// Synthetic lists the synthetic data set names Config.Data accepts.
var Synthetic = []string{"spirals", "blobs", "linreg"}

// The second PCG word of this package's generators.
const (
	streamSplit = 0x5452_4149_4e53_504c // the synthetic train/test split
	streamModel = 0x5452_4149_4e4d_4f44 // the initial weights
)

// Splits are a job's data: the training set, and the validation and test
// sets when it has them.
type Splits struct {
	Train, Val, Test *data.Dataset
	// Stats are the normalization applied to every split (nil: none).
	Stats *data.Stats
}

// synthetic options, by their spec keys.
type spiralsOpts struct {
	N     int     `json:"n"`
	Arms  int     `json:"arms"`
	Noise float64 `json:"noise"`
	Sweep float64 `json:"sweep"`
	Test  int     `json:"test"`
}

type blobsOpts struct {
	N       int     `json:"n"`
	Centers int     `json:"centers"`
	Dim     int     `json:"dim"`
	Std     float64 `json:"std"`
	Box     float64 `json:"box"`
	Test    int     `json:"test"`
}

type linregOpts struct {
	N       int     `json:"n"`
	Dim     int     `json:"dim"`
	Outputs int     `json:"outputs"`
	Noise   float64 `json:"noise"`
	Bias    bool    `json:"bias"`
	Test    int     `json:"test"`
}

// isSynthetic reports whether spec names a synthetic set.
func isSynthetic(spec string) bool {
	name, _, _ := strings.Cut(spec, ":")
	return slices.Contains(Synthetic, strings.ToLower(strings.TrimSpace(name)))
}

// LoadData loads the data set cfg.Data names ("mnist" when empty) and
// splits it as cfg.Val and cfg.Normalize say: the last Val training
// examples held out, and every split normalized with statistics fitted
// on the training examples. Run loads its data so.
func LoadData(ctx context.Context, cfg Config) (*Splits, error) {
	return loadSplits(ctx, cfg, nil)
}

// loadSplits loads cfg.Data; stats, when not nil, are applied instead of
// fitting new ones (a resumed or evaluated checkpoint's).
func loadSplits(ctx context.Context, cfg Config, stats *data.Stats) (*Splits, error) {
	spec := cfg.Data
	if spec == "" {
		spec = DefaultData
	}
	train, test, err := loadSource(ctx, spec, cfg.Label, cfg.Seed)
	if err != nil {
		return nil, err
	}
	s := &Splits{Train: train, Test: test}
	if cfg.Val > 0 {
		if s.Train, s.Val, err = train.HoldOut(cfg.Val); err != nil {
			return nil, fmt.Errorf("val %d: %w", cfg.Val, err)
		}
	}
	if cfg.Normalize || stats != nil {
		if stats == nil {
			st, err := fitStats(spec, s.Train)
			if err != nil {
				return nil, fmt.Errorf("normalize %s: %w", spec, err)
			}
			stats = &st
		}
		for _, ds := range []*data.Dataset{s.Train, s.Val, s.Test} {
			if ds == nil {
				continue
			}
			if err := stats.Apply(ds); err != nil {
				return nil, fmt.Errorf("normalize %s: %w", spec, err)
			}
		}
		s.Stats = stats
	}
	return s, nil
}

// fitStats returns the normalization of a training set: MNIST's
// customary values for mnist, one mean and deviation over all values for
// images, one per feature for tables.
func fitStats(spec string, train *data.Dataset) (data.Stats, error) {
	if spec == "mnist" {
		return data.MNISTStats(), nil
	}
	return data.ComputeStats(train, len(train.Shape) == 1)
}

// loadSource reads the data set spec names: its training examples and,
// when it has them, its test examples.
func loadSource(ctx context.Context, spec, label string, seed uint64) (train, test *data.Dataset, err error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	if spec == "mnist" {
		return data.FetchMNIST(ctx)
	}
	if isSynthetic(spec) {
		return synthetic(spec, seed)
	}
	fi, statErr := os.Stat(spec)
	switch {
	case statErr == nil && fi.IsDir():
		return data.LoadMNIST(spec)
	case statErr == nil && strings.EqualFold(filepath.Ext(spec), ".csv"):
		opt, err := csvOptions(label)
		if err != nil {
			return nil, nil, err
		}
		ds, err := data.LoadCSV(spec, opt)
		return ds, nil, err
	case statErr == nil:
		return nil, nil, fmt.Errorf("data %q: a file that is not .csv (want mnist, a directory of IDX files, FILE.csv, or one of %s)", spec, strings.Join(Synthetic, ", "))
	case errors.Is(statErr, fs.ErrNotExist):
		return nil, nil, fmt.Errorf("data %q: no such file or directory (want mnist, a directory of IDX files, FILE.csv, or one of %s)", spec, strings.Join(Synthetic, ", "))
	}
	return nil, nil, fmt.Errorf("data %q: %w", spec, statErr)
}

// csvOptions reads Config.Label.
func csvOptions(label string) (data.CSVOptions, error) {
	label = strings.TrimSpace(label)
	if label == "" {
		return data.CSVOptions{}, nil
	}
	if i, err := strconv.Atoi(label); err == nil {
		return data.CSVOptions{LabelIndex: i}, nil
	}
	return data.CSVOptions{Label: label}, nil
}

// synthetic draws a synthetic set and holds its test examples out of the
// same draw, chosen at random.
func synthetic(spec string, seed uint64) (train, test *data.Dataset, err error) {
	name, h, err := optim.ParseSpec(spec)
	if err != nil {
		return nil, nil, fmt.Errorf("data %w", err)
	}
	var all *data.Dataset
	var n, nTest int
	switch name {
	case "spirals":
		o := spiralsOpts{N: 3000, Arms: 3, Noise: 0.2, Sweep: 4, Test: -1}
		if err := h.Decode(&o); err != nil {
			return nil, nil, fmt.Errorf("data %s: %w", spec, err)
		}
		n, nTest = o.N, o.Test
		if nTest == -1 {
			nTest = n / 5
		}
		if n < 1 || nTest < 0 {
			return nil, nil, fmt.Errorf("data %s: n=%d test=%d: want n >= 1 and test >= 0", spec, n, nTest)
		}
		all, err = data.Spirals(data.SpiralsConfig{N: n + nTest, Arms: o.Arms, Noise: o.Noise, Sweep: o.Sweep, Seed: seed})
	case "blobs":
		o := blobsOpts{N: 3000, Test: -1}
		if err := h.Decode(&o); err != nil {
			return nil, nil, fmt.Errorf("data %s: %w", spec, err)
		}
		n, nTest = o.N, o.Test
		if nTest == -1 {
			nTest = n / 5
		}
		if n < 1 || nTest < 0 {
			return nil, nil, fmt.Errorf("data %s: n=%d test=%d: want n >= 1 and test >= 0", spec, n, nTest)
		}
		all, _, err = data.Blobs(data.BlobsConfig{N: n + nTest, Centers: o.Centers, Dim: o.Dim, Std: o.Std, Box: o.Box, Seed: seed})
	case "linreg":
		o := linregOpts{N: 1000, Dim: 10, Noise: 0.1, Bias: true, Test: -1}
		if err := h.Decode(&o); err != nil {
			return nil, nil, fmt.Errorf("data %s: %w", spec, err)
		}
		n, nTest = o.N, o.Test
		if nTest == -1 {
			nTest = n / 5
		}
		if n < 1 || nTest < 0 {
			return nil, nil, fmt.Errorf("data %s: n=%d test=%d: want n >= 1 and test >= 0", spec, n, nTest)
		}
		all, _, err = data.LinearRegression(data.LinearConfig{N: n + nTest, Dim: o.Dim, Outputs: o.Outputs, Noise: o.Noise, Bias: o.Bias, Seed: seed})
	}
	if err != nil {
		return nil, nil, fmt.Errorf("data %s: %w", spec, err)
	}
	perm := permutation(rand.NewPCG(seed, streamSplit), n+nTest)
	if train, err = all.Subset(perm[:n]); err != nil {
		return nil, nil, err
	}
	if nTest == 0 {
		return train, nil, nil
	}
	if test, err = all.Subset(perm[n:]); err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

// permutation returns a uniform permutation of [0, n) drawn from src by
// Fisher–Yates with Lemire's bounded draws, written out so that a seed
// gives the same split whatever the Go version.
func permutation(src *rand.PCG, n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	for i := n - 1; i > 0; i-- {
		bound := uint64(i + 1)
		hi, lo := bits.Mul64(src.Uint64(), bound)
		if lo < bound {
			thresh := -bound % bound
			for lo < thresh {
				hi, lo = bits.Mul64(src.Uint64(), bound)
			}
		}
		j := int(hi)
		p[i], p[j] = p[j], p[i]
	}
	return p
}
