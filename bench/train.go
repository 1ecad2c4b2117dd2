package bench

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"strings"
	"time"

	"github.com/descent-ml/descent/internal/kernel"
	"github.com/descent-ml/descent/train"
)

// The training workloads, as their PyTorch counterparts in
// ../shared/bench run them.
const (
	// W1 is torch_mnist_mlp.py: an MLP 784-512-256-10 with ReLU, SGD lr
	// 0.05 momentum 0.9, batch 128, shuffled, pixels in [0, 1]; seconds
	// per epoch.
	W1 = "w1"
	// W2 is torch_mnist_algoperf.py (AlgoPerf's MNIST workload): 784-128
	// sigmoid-10, inputs normalized with 0.1307/0.3081, the first 50,000
	// training images for training and the last 10,000 for validation,
	// Adam lr 1e-3, batch 64 dropping the short last batch, evaluated every
	// 100 steps; training seconds until the validation accuracy exceeds
	// 0.97.
	W2 = "w2"
	// LeNet5 is torch_mnist_mlp.py --model lenet5: LeNet-5 with ReLU (conv
	// 5×5×6 padding 2, max-pool, conv 5×5×16, max-pool, 120, 84, 10), with
	// W1's optimizer and batch; seconds per epoch.
	LeNet5 = "lenet5"
)

// Workloads lists the training workloads, in the order Train runs them.
var Workloads = []string{W1, W2, LeNet5}

// TrainConfig says what Train measures; the zero value runs every
// workload on MNIST at 1 and 2 threads, timing 2 epochs of W1 and LeNet-5.
type TrainConfig struct {
	Workloads []string // w1, w2, lenet5 (default all)
	Threads   []int    // thread counts (default 1 and 2)
	Epochs    int      // epochs of W1 and LeNet-5 to time (default 2); the fastest is reported
	Data      string   // the MNIST source, as train.Config.Data (default mnist)
	// MaxEpochs bounds W2's run if it never reaches its target (default
	// 20).
	MaxEpochs int
}

// TrainResult is one workload at one thread count.
type TrainResult struct {
	Workload string `json:"workload"`
	Threads  int    `json:"threads"`
	// Metric says what Seconds measures: "s/epoch" (the fastest epoch's
	// training time) or "s to val_acc>0.97" (training time until the
	// first evaluation above 0.97; null in JSON if never).
	Metric  string   `json:"metric"`
	Seconds *float64 `json:"seconds"`
	Steps   int      `json:"steps"`
	Epochs  float64  `json:"epochs"`
	// Acc is the test accuracy after the timed epochs (W1, LeNet-5) or
	// the validation accuracy when the run stopped (W2).
	Acc float64 `json:"acc"`
	// GFLOPPerS is the arithmetic a training epoch must do (the forward
	// pass, weight gradients, and input gradients of every layer but the
	// first) over the fastest epoch's time; PeakFraction divides it by
	// the threads' float32 FMA peak. Zero for W2, which overhead, not
	// arithmetic, bounds.
	GFLOPPerS    float64 `json:"gflop_per_s,omitempty"`
	PeakFraction float64 `json:"peak_fraction,omitempty"`
	// Train is the whole run's result.
	Train *train.Result `json:"train"`
}

// trainFLOPs is the arithmetic of one training example: 2 FLOPs a
// multiply-add, counting the forward pass, every layer's weight gradient
// and the input gradient of every layer but the first.
func trainFLOPs(workload string) float64 {
	switch workload {
	case W1:
		fwd := 784*512 + 512*256 + 256*10
		dx := 512*256 + 256*10
		return 2 * float64(2*fwd+dx)
	case LeNet5:
		conv1 := 6 * 28 * 28 * 25
		conv2 := 16 * 10 * 10 * 6 * 25
		fc := 400*120 + 120*84 + 84*10
		return 2 * float64(2*(conv1+conv2+fc)+conv2+fc)
	}
	return 0
}

// FMAPeak measures one core's float32 fused multiply-add peak in GFLOP/s
// (the best of a few runs of independent FMAs in the widest SIMD the
// machine has), 0 without SIMD kernels.
func FMAPeak() float64 {
	best := 0.0
	for range 5 {
		t0 := time.Now()
		flops := kernel.FMAPeak(1 << 18)
		if flops == 0 {
			return 0
		}
		best = max(best, float64(flops)/time.Since(t0).Seconds()/1e9)
	}
	return best
}

// workloadConfig returns the training job of a workload.
func workloadConfig(w, dataSpec string, epochs, maxEpochs, threads int) (train.Config, string, error) {
	switch w {
	case W1:
		return train.Config{Data: dataSpec, Model: "mlp:784-512-256-10", Opt: "sgd:lr=0.05,momentum=0.9",
			Batch: 128, Epochs: epochs, Seed: 1, Threads: threads}, "s/epoch", nil
	case LeNet5:
		return train.Config{Data: dataSpec, Model: "cnn:lenet5", Opt: "sgd:lr=0.05,momentum=0.9",
			Batch: 128, Epochs: epochs, Seed: 1, Threads: threads}, "s/epoch", nil
	case W2:
		return train.Config{Data: dataSpec, Model: "mlp:784-128-10", Act: "sigmoid", Normalize: true, Val: 10000,
			Opt: "adam:lr=1e-3", Batch: 64, DropLast: true, EvalEvery: 100, Epochs: maxEpochs,
			// PyTorch's script stops when the accuracy exceeds 0.97.
			TargetAcc: math.Nextafter(0.97, 1), Threads: threads}, "s to val_acc>0.97", nil
	}
	return train.Config{}, "", fmt.Errorf("workload %q: want one of %s", w, strings.Join(Workloads, ", "))
}

// Train runs the training workloads and reports each measurement, as it
// is made, to progress (if not nil).
func Train(ctx context.Context, cfg TrainConfig, progress func(TrainResult)) ([]TrainResult, error) {
	if len(cfg.Workloads) == 0 {
		cfg.Workloads = Workloads
	}
	if len(cfg.Threads) == 0 {
		cfg.Threads = []int{1, 2}
	}
	if cfg.Epochs == 0 {
		cfg.Epochs = 2
	}
	if cfg.MaxEpochs == 0 {
		cfg.MaxEpochs = 20
	}
	if cfg.Data == "" {
		cfg.Data = "mnist"
	}
	if cfg.Epochs < 1 || cfg.MaxEpochs < 1 {
		return nil, fmt.Errorf("bench train: epochs %d and max epochs %d: want at least 1", cfg.Epochs, cfg.MaxEpochs)
	}
	for _, w := range cfg.Workloads {
		if _, _, err := workloadConfig(w, cfg.Data, 1, 1, 1); err != nil {
			return nil, fmt.Errorf("bench train: %w", err)
		}
	}
	for _, th := range cfg.Threads {
		if th < 1 {
			return nil, fmt.Errorf("bench train: threads %d: want at least 1", th)
		}
	}
	peak := FMAPeak()
	var out []TrainResult
	for _, w := range cfg.Workloads {
		for _, th := range cfg.Threads {
			tc, metric, _ := workloadConfig(w, cfg.Data, cfg.Epochs, cfg.MaxEpochs, th)
			var epochTimes []float64
			last := 0.0
			examples := 0
			res, err := train.Run(ctx, tc, func(e train.Event) {
				if e.Kind == train.EventStart {
					examples = e.Info.Train
				}
				if e.Kind == train.EventEval && tc.EvalEvery == 0 && e.Row != nil && !e.Row.Final {
					epochTimes = append(epochTimes, e.TrainS-last)
					last = e.TrainS
				}
			})
			if err != nil {
				return out, fmt.Errorf("bench train %s at %d threads: %w", w, th, err)
			}
			r := TrainResult{Workload: w, Threads: th, Metric: metric, Steps: res.Steps, Epochs: res.Epochs, Train: res}
			if w == W2 {
				r.Seconds = res.TimeToTargetS
				if res.ValAcc != nil {
					r.Acc = *res.ValAcc
				}
			} else {
				if len(epochTimes) > 0 {
					best := epochTimes[0]
					for _, v := range epochTimes {
						best = min(best, v)
					}
					r.Seconds = &best
					r.GFLOPPerS = trainFLOPs(w) * float64(examples) / best / 1e9
					if peak > 0 {
						r.PeakFraction = r.GFLOPPerS / (peak * float64(min(th, runtime.NumCPU())))
					}
				}
				if res.TestAcc != nil {
					r.Acc = *res.TestAcc
				}
			}
			out = append(out, r)
			if progress != nil {
				progress(r)
			}
		}
	}
	return out, nil
}
