// Package bench measures descent's kernels and workloads: optimizer steps
// against the machine's memory bandwidth, and the training workloads whose
// PyTorch counterparts live beside the project.
package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/descent-ml/descent/internal/kernel"
	"github.com/descent-ml/descent/internal/parallel"
	"github.com/descent-ml/descent/optim"
)

// OptimConfig says what OptimStep measures; the zero value is the
// reference layout: 10M float32 parameters, 3 warm-up and 10 timed steps.
type OptimConfig struct {
	Params     int      // total parameters (default 10,000,000)
	Optimizers []string // specs (default adam, adamw, sgd with momentum 0.9)
	Layouts    []int    // tensors the parameters are split into (default 1 and 100)
	Threads    []int    // thread counts (default: the current setting)
	Warmup     int      // untimed steps (default 3)
	Reps       int      // timed steps; the median is reported (default 10)
	Unchecked  bool     // skip the non-finite gradient check (NonFiniteUnchecked)
}

// OptimResult is one measurement: the median time of one step.
type OptimResult struct {
	Optimizer  string  `json:"optimizer"`
	Spec       string  `json:"spec"`
	Layout     string  `json:"layout"`
	Threads    int     `json:"threads"`
	NsPerParam float64 `json:"ns_per_param"`
	GBPerS     float64 `json:"gb_per_s"`
	// BytesPerParam is the memory traffic the step must do per parameter
	// (reads and writes of θ, g and the state), on which GBPerS is based.
	BytesPerParam int `json:"bytes_per_param"`
}

// bytesPerParam is the least traffic a fused float32 step moves: Adam reads
// θ, g, m, v and writes θ, m, v; SGD with momentum reads θ, g, b and writes
// θ, b; plain SGD reads θ, g and writes θ.
func bytesPerParam(o optim.Optimizer) int {
	switch o.Name() {
	case "Adam", "AdamW":
		return 28
	case "SGD":
		if m, _ := o.Hyper(0, "momentum"); m != 0 {
			return 20
		}
		return 12
	}
	return 0
}

// DefaultOptimizers are the specs OptimStep measures by default.
var DefaultOptimizers = []string{"adam:lr=1e-3", "adamw:lr=1e-3", "sgd:lr=0.01,momentum=0.9"}

func layoutName(n, tensors int) string {
	return fmt.Sprintf("%dx%s", tensors, humanCount(n/tensors))
}

func humanCount(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n >= 1000 && n%1000 == 0:
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprint(n)
}

// OptimStep times optimizer steps over float32 parameters with random
// gradients. progress, if not nil, is called after each measurement.
func OptimStep(ctx context.Context, cfg OptimConfig, progress func(OptimResult)) ([]OptimResult, error) {
	if cfg.Params <= 0 {
		cfg.Params = 10_000_000
	}
	if len(cfg.Optimizers) == 0 {
		cfg.Optimizers = DefaultOptimizers
	}
	if len(cfg.Layouts) == 0 {
		cfg.Layouts = []int{1, 100}
	}
	if len(cfg.Threads) == 0 {
		cfg.Threads = []int{parallel.Threads()}
	}
	if cfg.Warmup <= 0 {
		cfg.Warmup = 3
	}
	if cfg.Reps <= 0 {
		cfg.Reps = 10
	}
	defer parallel.SetThreads(parallel.SetThreads(0))
	var out []OptimResult
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tensors := range cfg.Layouts {
		if tensors < 1 || cfg.Params%tensors != 0 {
			return out, fmt.Errorf("layout: %d parameters do not split into %d equal tensors", cfg.Params, tensors)
		}
		per := cfg.Params / tensors
		params := make([]*optim.Param, tensors)
		for i := range params {
			x := make([]float32, per)
			g := make([]float32, per)
			for j := range g {
				g[j] = float32(rng.NormFloat64())
			}
			params[i] = optim.NewParam(fmt.Sprintf("p%d", i), x, g)
		}
		for _, spec := range cfg.Optimizers {
			for _, th := range cfg.Threads {
				if err := ctx.Err(); err != nil {
					return out, err
				}
				parallel.SetThreads(th)
				for _, p := range params {
					clear(p.F32)
				}
				o, err := optim.New(spec, params)
				if err != nil {
					return out, err
				}
				if cfg.Unchecked {
					o.SetNonFinite(optim.NonFiniteUnchecked)
				}
				for range cfg.Warmup {
					if err := o.Step(); err != nil {
						return out, err
					}
				}
				times := make([]time.Duration, cfg.Reps)
				for r := range times {
					t0 := time.Now()
					if err := o.Step(); err != nil {
						return out, err
					}
					times[r] = time.Since(t0)
				}
				slices.Sort(times)
				med := times[len(times)/2]
				ns := float64(med.Nanoseconds()) / float64(cfg.Params)
				bpp := bytesPerParam(o)
				res := OptimResult{Optimizer: o.Name(), Spec: spec, Layout: layoutName(cfg.Params, tensors),
					Threads: th, NsPerParam: ns, BytesPerParam: bpp, GBPerS: float64(bpp) / ns}
				out = append(out, res)
				if progress != nil {
					progress(res)
				}
			}
		}
	}
	return out, nil
}

// TriadResult is the bandwidth a float32 STREAM triad a[i] = b[i] + s·c[i]
// reaches, counting 12 bytes an element as STREAM does.
type TriadResult struct {
	Threads int     `json:"threads"`
	N       int     `json:"n"`
	GBPerS  float64 `json:"gb_per_s"`
}

// Triad measures the float32 triad over n elements a array (default 10M),
// the best of reps runs, with the given thread count.
func Triad(n, reps, threads int) TriadResult {
	if n <= 0 {
		n = 10_000_000
	}
	if reps <= 0 {
		reps = 10
	}
	defer parallel.SetThreads(parallel.SetThreads(threads))
	a, b, c := make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range b {
		b[i], c[i] = float32(i), float32(n-i)
	}
	best := time.Duration(1 << 62)
	for range reps + 1 {
		t0 := time.Now()
		triad(a, b, c, 3)
		best = min(best, time.Since(t0))
	}
	return TriadResult{Threads: parallel.Threads(), N: n, GBPerS: float64(12*n) / float64(best.Nanoseconds())}
}

func triad(a, b, c []float32, s float32) {
	parallel.For(len(a), 1<<15, func(lo, hi int) {
		a, b, c := a[lo:hi], b[lo:hi], c[lo:hi]
		n := kernel.Triad(a, b, c, s)
		a, b, c = a[n:], b[n:], c[n:]
		for i := range a {
			a[i] = b[i] + s*c[i]
		}
	})
}
