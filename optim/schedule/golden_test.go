package schedule

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/descent-ml/descent/optim"
)

// goldenDir holds PyTorch 1.13's schedule trajectories; every file in it
// is replayed.
const goldenDir = "../../testdata/torch/sched"

// goldenCase is one file: the shared format (scheduler, base_lr, hyper,
// lrs, metrics) and the optional fields of testdata/torch/gen_sched_extra.py.
type goldenCase struct {
	Name      string          `json:"name"`
	Scheduler string          `json:"scheduler"`
	BaseLR    float64         `json:"base_lr"`
	Hyper     json.RawMessage `json:"hyper"`
	LRs       []float64       `json:"lrs"`
	Metrics   []float64       `json:"metrics"`

	Optimizer   string      `json:"optimizer"`    // SGD (momentum 0.9) unless Adam
	GroupLRs    []float64   `json:"group_lrs"`    // one rate per parameter group (default [base_lr])
	LRsByGroup  [][]float64 `json:"lrs_by_group"` // [step][group]
	MomentumKey string      `json:"momentum_key"` // momentum or beta1
	Momentums   [][]float64 `json:"momentums"`    // [step][group]
}

// builder makes a schedule from PyTorch's keyword arguments as JSON.
type builder func(opt optim.Optimizer, hyper json.RawMessage) (Scheduler, error)

// builders maps the PyTorch class names the golden files use to their
// builders.
var builders = func() map[string]builder {
	m := map[string]builder{}
	for _, class := range []string{"StepLR", "MultiStepLR", "ConstantLR", "LinearLR", "ExponentialLR",
		"CosineAnnealingLR", "CosineAnnealingWarmRestarts", "PolynomialLR", "CyclicLR", "OneCycleLR",
		"ReduceLROnPlateau", "SequentialLR", "ChainedScheduler"} {
		m[class] = func(opt optim.Optimizer, hyper json.RawMessage) (Scheduler, error) {
			return NewFromJSON(opt, class, hyper)
		}
	}
	return m
}()

func loadCase(t *testing.T, path string) *goldenCase {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var c goldenCase
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(c.LRs) == 0 {
		t.Fatalf("%s: no lrs", path)
	}
	return &c
}

func closeTo(got, want float64) bool {
	if got == want {
		return true
	}
	d := math.Abs(got - want)
	return d <= 1e-12 || d <= 1e-9*math.Abs(want)
}

// rig is an optimizer over one small parameter per group with a schedule
// on it, as a golden case describes.
type rig struct {
	c      *goldenCase
	opt    optim.Optimizer
	params []*optim.Param
	sched  Scheduler
}

func newRig(c *goldenCase) (*rig, error) {
	lrs := c.GroupLRs
	if lrs == nil {
		lrs = []float64{c.BaseLR}
	}
	r := &rig{c: c}
	for g := range lrs {
		r.params = append(r.params, optim.NewParam(fmt.Sprintf("w%d", g), []float64{1, -0.5, 0.25}, make([]float64, 3)))
	}
	switch c.Optimizer {
	case "", "SGD":
		o, err := optim.NewSGD(r.params[:1], optim.SGDConfig{LR: lrs[0], Momentum: 0.9})
		if err != nil {
			return nil, err
		}
		for g := 1; g < len(lrs); g++ {
			if err := o.AddGroup(optim.SGDConfig{LR: lrs[g]}, r.params[g]); err != nil {
				return nil, err
			}
		}
		r.opt = o
	case "Adam":
		o, err := optim.NewAdam(r.params[:1], optim.AdamConfig{LR: lrs[0]})
		if err != nil {
			return nil, err
		}
		for g := 1; g < len(lrs); g++ {
			if err := o.AddGroup(optim.AdamConfig{LR: lrs[g]}, r.params[g]); err != nil {
				return nil, err
			}
		}
		r.opt = o
	default:
		return nil, fmt.Errorf("unknown optimizer %q", c.Optimizer)
	}
	b, ok := builders[c.Scheduler]
	if !ok {
		return nil, fmt.Errorf("no builder for scheduler %q", c.Scheduler)
	}
	s, err := b(r.opt, c.Hyper)
	if err != nil {
		return nil, err
	}
	r.sched = s
	return r, nil
}

// steps reports the number of steps the case takes.
func (r *rig) steps() int { return len(r.c.LRs) - 1 }

// step takes optimizer step k (from 1) with a made-up gradient, then the
// schedule's step.
func (r *rig) step(k int) error {
	for _, p := range r.params {
		for i := range p.G64 {
			p.G64[i] = math.Sin(float64(k*(i+2))) + 0.5*p.F64[i]
		}
	}
	if err := r.opt.Step(); err != nil {
		return err
	}
	if r.c.Metrics != nil {
		return r.sched.(MetricScheduler).StepMetric(r.c.Metrics[k-1])
	}
	return r.sched.Step()
}

// check compares the rates (and momentums) after step k with PyTorch's.
func (r *rig) check(path string, k int) error {
	c := r.c
	last := r.sched.LastLR()
	if !closeTo(last[0], c.LRs[k]) {
		return fmt.Errorf("%s step %d: LastLR %v, PyTorch %v", path, k, last[0], c.LRs[k])
	}
	lrs, err := groupValues(r.opt, "lr")
	if err != nil {
		return err
	}
	want := []float64{c.LRs[k]}
	if c.LRsByGroup != nil {
		want = c.LRsByGroup[k]
	}
	for g, w := range want {
		if !closeTo(lrs[g], w) || !closeTo(last[g], w) {
			return fmt.Errorf("%s step %d: group %d lr %v (LastLR %v), PyTorch %v", path, k, g, lrs[g], last[g], w)
		}
	}
	if c.Momentums != nil {
		moms, err := groupValues(r.opt, c.MomentumKey)
		if err != nil {
			return err
		}
		for g, w := range c.Momentums[k] {
			if !closeTo(moms[g], w) {
				return fmt.Errorf("%s step %d: group %d %s %v, PyTorch %v", path, k, g, c.MomentumKey, moms[g], w)
			}
		}
	}
	return nil
}

// snapshot is everything a step leaves behind, to compare runs bit for bit.
func (r *rig) snapshot() string {
	lrs, _ := groupValues(r.opt, "lr")
	var b bytes.Buffer
	fmt.Fprintf(&b, "last %v lrs %v", bits(r.sched.LastLR()), bits(lrs))
	if r.c.MomentumKey != "" {
		m, _ := groupValues(r.opt, r.c.MomentumKey)
		fmt.Fprintf(&b, " mom %v", bits(m))
	}
	for _, p := range r.params {
		fmt.Fprintf(&b, " %s %v", p.Name, bits(p.F64))
	}
	return b.String()
}

func bits(v []float64) []uint64 {
	out := make([]uint64, len(v))
	for i, x := range v {
		out[i] = math.Float64bits(x + 0) // -0 and 0 are the same rate
	}
	return out
}

func TestGoldenPyTorch(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(goldenDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no golden files in %s", goldenDir)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			c := loadCase(t, path)
			r, err := newRig(c)
			if err != nil {
				t.Fatalf("%s: build %s(%s): %v", path, c.Scheduler, c.Hyper, err)
			}
			if err := r.check(path, 0); err != nil {
				t.Fatal(err)
			}
			for k := 1; k <= r.steps(); k++ {
				if err := r.step(k); err != nil {
					t.Fatalf("%s step %d: %v", path, k, err)
				}
				if err := r.check(path, k); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// TestResumeGolden saves every golden case's optimizer and schedule after
// some steps (through a state file in memory), loads them into a freshly
// built pair, and checks that the rest of the run is bit for bit the
// uninterrupted one.
func TestResumeGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(goldenDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			c := loadCase(t, path)
			ref, err := newRig(c)
			if err != nil {
				t.Fatal(err)
			}
			want := []string{ref.snapshot()}
			for k := 1; k <= ref.steps(); k++ {
				if err := ref.step(k); err != nil {
					t.Fatal(err)
				}
				want = append(want, ref.snapshot())
			}
			n := ref.steps()
			for _, cut := range []int{0, 1, n / 3, n / 2, n - 1} {
				if err := resumeAt(c, cut, want); err != nil {
					t.Fatalf("%s: resumed after step %d: %v", path, cut, err)
				}
			}
		})
	}
}

func resumeAt(c *goldenCase, cut int, want []string) error {
	a, err := newRig(c)
	if err != nil {
		return err
	}
	for k := 1; k <= cut; k++ {
		if err := a.step(k); err != nil {
			return err
		}
	}
	sd, err := StateDict(a.opt, a.sched)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := sd.Write(&buf); err != nil {
		return err
	}
	sd2, err := optim.ReadStateDict(&buf)
	if err != nil {
		return err
	}
	b, err := newRig(c)
	if err != nil {
		return err
	}
	for i, p := range a.params { // the model's weights come from its own checkpoint
		copy(b.params[i].F64, p.F64)
	}
	if err := LoadStateDict(b.opt, b.sched, sd2); err != nil {
		return err
	}
	if got := b.snapshot(); got != want[cut] {
		return fmt.Errorf("right after loading:\n got %s\nwant %s", got, want[cut])
	}
	for k := cut + 1; k < len(want); k++ {
		if err := b.step(k); err != nil {
			return fmt.Errorf("step %d: %w", k, err)
		}
		if got := b.snapshot(); got != want[k] {
			return fmt.Errorf("step %d:\n got %s\nwant %s", k, got, want[k])
		}
	}
	return nil
}
