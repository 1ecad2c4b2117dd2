package optim

import (
	"bytes"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/descent-ml/descent/internal/parallel"
)

// suiteCase says how the registry-wide tests build and drive an optimizer.
type suiteCase struct {
	spec   string // spec for New; "" means the bare name
	sparse bool   // feeds row-sparse gradients
	matrix bool   // needs 2-D parameters
}

// suiteOverrides lists the optimizers that need more than their bare name.
var suiteOverrides = map[string]suiteCase{
	"sparseadam": {sparse: true},
	"lookahead":  {spec: "lookahead:k=3,alpha=0.5+adam:lr=0.01"},
	"muon":       {matrix: true},
	"sfsgd":      {spec: "sfsgd:lr=0.01"}, // the default lr 1 diverges on objective's quartic
}

func suiteFor(name string) suiteCase {
	c := suiteOverrides[name]
	if c.spec == "" {
		c.spec = name
	}
	return c
}

// objective is a smooth non-convex function of a flat vector with its
// gradient: Σ a_i (w_i − c_i)² + 0.1 w_i⁴ − 0.3 w_i w_{i+1}.
func objective[T Float](w, g []T) float64 {
	var f float64
	for i := range w {
		x := float64(w[i])
		a := 1 + float64(i%5)
		c := math.Sin(float64(i))
		f += a*(x-c)*(x-c) + 0.1*x*x*x*x
		d := 2*a*(x-c) + 0.4*x*x*x
		if i+1 < len(w) {
			y := float64(w[i+1])
			f -= 0.3 * x * y
			d -= 0.3 * y
		}
		if i > 0 {
			d -= 0.3 * float64(w[i-1])
		}
		g[i] = T(d)
	}
	return f
}

// makeParams returns two parameters (a matrix and a vector) of total size
// about n, starting at a fixed point.
func makeParams[T Float](n int) []*Param {
	rows := max(2, n/40)
	a := make([]T, rows*30)
	b := make([]T, max(3, n-len(a)))
	for i := range a {
		a[i] = T(0.5 * math.Cos(float64(3*i)))
	}
	for i := range b {
		b[i] = T(0.1 * math.Sin(float64(7*i)))
	}
	return []*Param{
		NewParam("w", a, make([]T, len(a)), rows, 30),
		NewParam("b", b, make([]T, len(b)), len(b)),
	}
}

func cloneParams(ps []*Param) []*Param {
	out := make([]*Param, len(ps))
	for i, p := range ps {
		c := *p
		c.F32, c.G32 = slices.Clone(p.F32), slices.Clone(p.G32)
		c.F64, c.G64 = slices.Clone(p.F64), slices.Clone(p.G64)
		out[i] = &c
	}
	return out
}

// computeGrads fills the gradients of ps from objective, one parameter at a
// time; sparse cases pick rows that change with the step.
func computeGrads(ps []*Param, sparse bool, step int) {
	for _, p := range ps {
		p.EnsureGrad()
		if p.F64 != nil {
			objective(p.F64, p.G64)
		} else {
			objective(p.F32, p.G32)
		}
		if sparse {
			rows, cols := p.shape2()
			sg := &SparseGrad{}
			for r := step % min(3, rows); r < rows; r += 3 {
				sg.Rows = append(sg.Rows, r)
				if p.F64 != nil {
					sg.Values = append(sg.Values, p.G64[r*cols:(r+1)*cols]...)
				} else {
					sg.V32 = append(sg.V32, p.G32[r*cols:(r+1)*cols]...)
				}
			}
			p.Sparse = sg
		}
	}
}

// drive runs steps [from, to) of an optimizer on ps.
func drive(t *testing.T, o Optimizer, ps []*Param, sparse bool, from, to int) {
	t.Helper()
	for s := from; s < to; s++ {
		var err error
		if o.Name() == "LBFGS" {
			_, err = o.StepClosure(func() (float64, error) {
				computeGrads(ps, false, s)
				var f float64
				for _, p := range ps {
					f += objective(p.F64, p.G64) + objective(p.F32, p.G32)
				}
				return f, nil
			})
		} else {
			computeGrads(ps, sparse, s)
			err = o.Step()
		}
		if err != nil {
			t.Fatalf("%s step %d: %v", o.Name(), s, err)
		}
	}
}

func newSuite(t *testing.T, name string, ps []*Param) Optimizer {
	t.Helper()
	c := suiteFor(name)
	o, err := New(c.spec, ps)
	if err != nil {
		t.Fatalf("New(%q): %v", c.spec, err)
	}
	return o
}

func sameBits(t *testing.T, what string, a, b []*Param) {
	t.Helper()
	for i := range a {
		for j := range a[i].F64 {
			if math.Float64bits(a[i].F64[j]) != math.Float64bits(b[i].F64[j]) {
				t.Fatalf("%s: %s[%d] = %v vs %v", what, a[i].Name, j, a[i].F64[j], b[i].F64[j])
			}
		}
		for j := range a[i].F32 {
			if math.Float32bits(a[i].F32[j]) != math.Float32bits(b[i].F32[j]) {
				t.Fatalf("%s: %s[%d] = %v vs %v", what, a[i].Name, j, a[i].F32[j], b[i].F32[j])
			}
		}
	}
}

// TestStateDictDeterministic is PyTorch's test_state_dict_deterministic for
// every registered optimizer, through the on-disk form: stop after 5 steps,
// save, restore into a fresh optimizer over copies of the parameters, and
// continue; the parameters must equal, bit for bit, those of a run that
// never stopped.
func TestStateDictDeterministic(t *testing.T) {
	for _, name := range Names() {
		for _, dt := range []string{"float64", "float32"} {
			t.Run(name+"/"+dt, func(t *testing.T) {
				c := suiteFor(name)
				var ps []*Param
				if dt == "float64" {
					ps = makeParams[float64](200)
				} else {
					ps = makeParams[float32](200)
				}
				a := newSuite(t, name, ps)
				drive(t, a, ps, c.sparse, 0, 5)
				var file bytes.Buffer
				if err := a.StateDict().Write(&file); err != nil {
					t.Fatal(err)
				}
				resumed := cloneParams(ps)
				drive(t, a, ps, c.sparse, 5, 12)

				b := newSuite(t, name, resumed)
				sd, err := ReadStateDict(&file)
				if err != nil {
					t.Fatal(err)
				}
				if err := b.LoadStateDict(sd); err != nil {
					t.Fatal(err)
				}
				drive(t, b, resumed, c.sparse, 5, 12)
				sameBits(t, "resumed vs uninterrupted", ps, resumed)
			})
		}
	}
}

// TestParallelEqualsSerial is PyTorch's foreach ≡ for-loop test in our
// terms: a step over a large parameter split over two threads gives the
// same bits as one thread.
func TestParallelEqualsSerial(t *testing.T) {
	defer parallel.SetThreads(parallel.Threads())
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			c := suiteFor(name)
			run := func(threads int) []*Param {
				parallel.SetThreads(threads)
				ps := makeParams[float32](300_000)
				o := newSuite(t, name, ps)
				drive(t, o, ps, c.sparse, 0, 3)
				return ps
			}
			one := run(1)
			two := run(2)
			sameBits(t, "2 threads vs 1", two, one)
		})
	}
}

// TestFloat32MatchesFloat64 checks the float32 path against the float64
// one over a few steps.
func TestFloat32MatchesFloat64(t *testing.T) {
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			c := suiteFor(name)
			p64 := makeParams[float64](120)
			p32 := makeParams[float32](120)
			drive(t, newSuite(t, name, p64), p64, c.sparse, 0, 4)
			drive(t, newSuite(t, name, p32), p32, c.sparse, 0, 4)
			for i := range p64 {
				for j, v := range p64[i].F64 {
					if d := math.Abs(float64(p32[i].F32[j]) - v); d > 1e-4*(1+math.Abs(v)) {
						t.Fatalf("%s[%d]: float32 %v, float64 %v", p64[i].Name, j, p32[i].F32[j], v)
					}
				}
			}
		})
	}
}

// TestNoGradUntouched: a parameter without a gradient is left alone and
// gets no state, while its neighbour moves.
func TestNoGradUntouched(t *testing.T) {
	for _, name := range Names() {
		if suiteFor(name).sparse || name == "lbfgs" {
			continue // sparse-only and closure optimizers are covered by their own tests
		}
		t.Run(name, func(t *testing.T) {
			ps := makeParams[float64](100)
			frozen := slices.Clone(ps[1].F64)
			o := newSuite(t, name, ps)
			for s := range 3 {
				computeGrads(ps, false, s)
				ps[1].G64 = nil
				if err := o.Step(); err != nil {
					t.Fatal(err)
				}
			}
			if !slices.Equal(frozen, ps[1].F64) {
				t.Fatalf("parameter without gradient moved")
			}
			// Lookahead keeps slow weights of every parameter (they equal
			// the untouched values); the others make no state.
			if sd := o.StateDict(); name != "lookahead" && sd.State[1] != nil && len(sd.State[1].names) > 0 {
				t.Fatalf("parameter without gradient got state %v", sd.State[1].names)
			}
			moved := false
			w0 := makeParams[float64](100)[0].F64
			for j := range w0 {
				moved = moved || w0[j] != ps[0].F64[j]
			}
			if !moved {
				t.Fatalf("parameter with gradient did not move")
			}
		})
	}
}

// TestNonFinite: a NaN gradient is refused or skipped, and in both cases
// the parameters and the state are unchanged.
func TestNonFinite(t *testing.T) {
	for _, name := range Names() {
		for _, policy := range []NonFinite{NonFiniteReject, NonFiniteSkip} {
			t.Run(name, func(t *testing.T) {
				c := suiteFor(name)
				ps := makeParams[float64](100)
				o := newSuite(t, name, ps)
				o.SetNonFinite(policy)
				drive(t, o, ps, c.sparse, 0, 2)
				before := cloneParams(ps)
				var sdBefore bytes.Buffer
				o.StateDict().Write(&sdBefore)

				var err error
				poison := func() {
					computeGrads(ps, c.sparse, 2)
					ps[0].G64[3] = math.NaN()
					if ps[0].Sparse != nil {
						ps[0].Sparse.Values[0] = math.Inf(1)
					}
				}
				if name == "lbfgs" {
					_, err = o.StepClosure(func() (float64, error) { poison(); return 1, nil })
				} else {
					poison()
					err = o.Step()
				}
				switch policy {
				case NonFiniteReject:
					var nf *NonFiniteError
					if !errors.As(err, &nf) {
						t.Fatalf("want a *NonFiniteError, got %v", err)
					}
				case NonFiniteSkip:
					if err != nil || o.Skipped() != 1 {
						t.Fatalf("skip: err %v, skipped %d", err, o.Skipped())
					}
				}
				sameBits(t, "after a NaN gradient", ps, before)
				// The state is unchanged too, but for the skip counter.
				var sdAfter bytes.Buffer
				sd := o.StateDict()
				sd.Skipped = 0
				sd.Write(&sdAfter)
				if !bytes.Equal(sdBefore.Bytes(), sdAfter.Bytes()) {
					t.Fatalf("state changed by a refused or skipped step")
				}
			})
		}
	}
}

func TestInvalidHyperparameters(t *testing.T) {
	ps := makeParams[float64](10)
	for _, tc := range []struct{ spec, want string }{
		{"sgd:lr=-0.1", "invalid learning rate: -0.1"},
		{"sgd:momentum=-1", "invalid momentum value: -1"},
		{"sgd:nesterov=true", "nesterov momentum requires a momentum"},
		{"sgd:momentum=0.9,dampening=0.1,nesterov=true", "dampening=0.1"},
		{"sgd:weight_decay=-1e-3", "invalid weight_decay value: -0.001"},
		{"adam:betas=1.0/0.999", "invalid beta parameter at index 0: 1"},
		{"adam:betas=0.9/-0.5", "invalid beta parameter at index 1: -0.5"},
		{"adam:eps=-1e-8", "invalid epsilon value: -1e-08"},
		{"adamw:lr=nan", "invalid learning rate: NaN"},
		{"adam:lr=abc", `lr="abc": want a number`},
		{"adam:nesterov=true", `unknown hyperparameter "nesterov"`},
		{"adam:amsgrad=maybe", "want true or false"},
		{"adam:betas=0.9", "want 2 values"},
		{"nosuch", `unknown optimizer "nosuch"`},
		{"adam:lr", `"lr" is not key=value`},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			_, err := New(tc.spec, ps)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New(%q) = %v, want an error containing %q", tc.spec, err, tc.want)
			}
		})
	}
}

func TestGroups(t *testing.T) {
	ps := makeParams[float64](50)
	o, err := NewAdam(ps[:1], AdamConfig{LR: 0.01, Betas: [2]float64{0.8, 0.99}})
	if err != nil {
		t.Fatal(err)
	}
	if err := o.AddGroup(AdamConfig{LR: 0.1}, ps[1]); err != nil {
		t.Fatal(err)
	}
	if err := o.AddGroup(AdamConfig{}, ps[0]); err == nil {
		t.Fatal("a parameter in two groups was accepted")
	}
	for _, tc := range []struct {
		g    int
		key  string
		want float64
	}{
		{0, "lr", 0.01}, {1, "lr", 0.1}, {1, "beta1", 0.8}, {1, "betas.1", 0.99}, {1, "eps", 1e-8},
	} {
		got, err := o.Hyper(tc.g, tc.key)
		if err != nil || got != tc.want {
			t.Errorf("Hyper(%d, %q) = %v, %v; want %v", tc.g, tc.key, got, err, tc.want)
		}
	}
	if err := o.SetHyper(1, "beta1", 0.5); err != nil || o.Groups()[1].Config.Betas[0] != 0.5 {
		t.Fatalf("SetHyper beta1: %v", err)
	}
	if _, err := o.Hyper(2, "lr"); err == nil {
		t.Fatal("group 2 should not exist")
	}
	if _, err := o.Hyper(0, "momentum"); err == nil {
		t.Fatal("Adam has no momentum")
	}
	// Each group steps with its own learning rate: group 1 moves 10x as far
	// on its first step (Adam's first step is ±lr).
	computeGrads(ps, false, 0)
	x0, y0 := ps[0].F64[0], ps[1].F64[0]
	if err := o.Step(); err != nil {
		t.Fatal(err)
	}
	d0, d1 := math.Abs(ps[0].F64[0]-x0), math.Abs(ps[1].F64[0]-y0)
	if math.Abs(d0-0.01) > 1e-6 || math.Abs(d1-0.1) > 1e-6 {
		t.Fatalf("first-step moves %v and %v, want 0.01 and 0.1", d0, d1)
	}
}

func TestExplicitZero(t *testing.T) {
	ps := makeParams[float64](10)
	o, err := New("adam:betas=0/0.9", ps)
	if err != nil {
		t.Fatal(err)
	}
	b1, _ := o.Hyper(0, "beta1")
	if b1 != 0 {
		t.Fatalf("betas=0/0.9 gave beta1 %v, want 0", b1)
	}
	o2, _ := NewAdam(ps, AdamConfig{})
	if b, _ := o2.Hyper(0, "beta1"); b != 0.9 {
		t.Fatalf("zero config gave beta1 %v, want the default 0.9", b)
	}
}

func TestLoadStateDictMismatch(t *testing.T) {
	ps := makeParams[float64](50)
	o, _ := NewAdam(ps, AdamConfig{})
	drive(t, o, ps, false, 0, 1)
	sd := o.StateDict()
	for _, tc := range []struct {
		name string
		make func() (Optimizer, error)
		want string
	}{
		{"other optimizer", func() (Optimizer, error) { return NewSGD(makeParams[float64](50), SGDConfig{}) }, "saved by Adam, not SGD"},
		{"other sizes", func() (Optimizer, error) { return NewAdam(makeParams[float64](80), AdamConfig{}) }, "saved as float64"},
		{"other dtype", func() (Optimizer, error) { return NewAdam(makeParams[float32](50), AdamConfig{}) }, "saved as float64"},
		{"fewer params", func() (Optimizer, error) { return NewAdam(makeParams[float64](50)[:1], AdamConfig{}) }, "has 2 parameters saved"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o2, err := tc.make()
			if err != nil {
				t.Fatal(err)
			}
			if err := o2.LoadStateDict(sd); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestReadStateDictCorrupt(t *testing.T) {
	ps := makeParams[float64](20)
	o, _ := NewAdam(ps, AdamConfig{})
	drive(t, o, ps, false, 0, 2)
	var b bytes.Buffer
	if err := o.StateDict().Write(&b); err != nil {
		t.Fatal(err)
	}
	good := b.Bytes()
	for cut := 0; cut < len(good); cut += 7 {
		if _, err := ReadStateDict(bytes.NewReader(good[:cut])); err == nil {
			t.Fatalf("a file cut at %d of %d bytes was accepted", cut, len(good))
		}
	}
	if _, err := ReadStateDict(bytes.NewReader(good)); err != nil {
		t.Fatal(err)
	}
}

func TestMultiSteps(t *testing.T) {
	// Three micro-steps of MultiSteps(SGD) equal one SGD step on the mean
	// gradient; the parameters do not move in between.
	a := makeParams[float64](30)
	b := cloneParams(a)
	inner, _ := NewSGD(a, SGDConfig{LR: 0.1, Momentum: 0.9})
	ms, err := NewMultiSteps(inner, 3)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := NewSGD(b, SGDConfig{LR: 0.1, Momentum: 0.9})
	start := cloneParams(a)
	mean := make([]float64, len(b[1].F64))
	for k := range 3 {
		for i := range a[1].G64 {
			a[1].G64[i] = float64(k+1) * float64(i)
			mean[i] += float64(k+1) * float64(i) / 3
		}
		a[0].G64 = nil
		if err := ms.Step(); err != nil {
			t.Fatal(err)
		}
		if k < 2 {
			if ms.DidStep() {
				t.Fatal("stepped early")
			}
			sameBits(t, "between micro-steps", a, start)
		}
	}
	if !ms.DidStep() {
		t.Fatal("did not step on the third call")
	}
	copy(b[1].G64, mean)
	b[0].G64 = nil
	plain.Step()
	for i := range a[1].F64 {
		if math.Abs(a[1].F64[i]-b[1].F64[i]) > 1e-12 {
			t.Fatalf("b[%d] = %v, want %v", i, a[1].F64[i], b[1].F64[i])
		}
	}
	if _, err := NewMultiSteps(inner, 0); err == nil {
		t.Fatal("k=0 accepted")
	}
}

func TestMultiStepsStateDict(t *testing.T) {
	ps := makeParams[float64](40)
	inner, _ := NewAdam(ps, AdamConfig{LR: 0.01})
	ms, _ := NewMultiSteps(inner, 4)
	drive(t, ms, ps, false, 0, 6) // one real step and two pending micro-steps
	var file bytes.Buffer
	if err := ms.StateDict().Write(&file); err != nil {
		t.Fatal(err)
	}
	resumed := cloneParams(ps)
	drive(t, ms, ps, false, 6, 13)
	inner2, _ := NewAdam(resumed, AdamConfig{LR: 0.01})
	ms2, _ := NewMultiSteps(inner2, 4)
	sd, err := ReadStateDict(&file)
	if err != nil {
		t.Fatal(err)
	}
	if err := ms2.LoadStateDict(sd); err != nil {
		t.Fatal(err)
	}
	if ms2.Pending() != 2 {
		t.Fatalf("pending %d after restore, want 2", ms2.Pending())
	}
	drive(t, ms2, resumed, false, 6, 13)
	sameBits(t, "resumed accumulation", ps, resumed)
}

func TestClipGradNorm(t *testing.T) {
	ps := makeParams[float64](20)
	for _, p := range ps {
		for i := range p.G64 {
			p.G64[i] = 1
		}
	}
	n := float64(ps[0].Len() + ps[1].Len())
	norm, err := ClipGradNorm(ps, 2)
	if err != nil || math.Abs(norm-math.Sqrt(n)) > 1e-12 {
		t.Fatalf("norm %v, %v; want %v", norm, err, math.Sqrt(n))
	}
	if after := GradNorm(ps); math.Abs(after-2) > 1e-5 {
		t.Fatalf("norm after clipping %v, want 2", after)
	}
	// Under the limit: unchanged.
	before := slices.Clone(ps[0].G64)
	ClipGradNorm(ps, 100)
	if !slices.Equal(before, ps[0].G64) {
		t.Fatal("gradients under the limit changed")
	}
	ps[1].G64[0] = math.Inf(1)
	if _, err := ClipGradNorm(ps, 1); err == nil {
		t.Fatal("infinite norm accepted")
	}
	if !slices.Equal(before, ps[0].G64) {
		t.Fatal("gradients changed by a failed clip")
	}
	if _, err := ClipGradNorm(ps, -1); err == nil || !strings.Contains(err.Error(), "-1") {
		t.Fatalf("max_norm -1: %v", err)
	}
}

func TestClipGradValue(t *testing.T) {
	p := NewParam("x", []float32{0, 0, 0}, []float32{-3, 0.5, 7})
	norm, err := ClipGradValue([]*Param{p}, 1)
	if err != nil || math.Abs(norm-math.Sqrt(9+0.25+49)) > 1e-6 {
		t.Fatalf("norm %v, %v", norm, err)
	}
	if !slices.Equal(p.G32, []float32{-1, 0.5, 1}) {
		t.Fatalf("clipped %v", p.G32)
	}
}

func TestNormThreadIndependent(t *testing.T) {
	defer parallel.SetThreads(parallel.Threads())
	x := make([]float32, 1_000_003)
	for i := range x {
		x[i] = float32(math.Sin(float64(i)))
	}
	parallel.SetThreads(1)
	a := sumSquares(x)
	parallel.SetThreads(2)
	b := sumSquares(x)
	if a != b {
		t.Fatalf("1 thread %v, 2 threads %v", a, b)
	}
}

// zeroGradSpec is the spec TestZeroGradIsNoop uses where the default would
// move parameters without a gradient by design: AdamW's decoupled weight
// decay and ASGD's λ decay shrink θ on every step.
var zeroGradSpec = map[string]string{
	"adamw": "adamw:weight_decay=0",
	"asgd":  "asgd:lambd=0",
}

// TestZeroGradIsNoop is PyTorch's test_step_is_noop_for_zero_grads: steps
// on all-zero gradients leave the parameters as they were.
func TestZeroGradIsNoop(t *testing.T) {
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			c := suiteFor(name)
			if s, ok := zeroGradSpec[name]; ok {
				c.spec = s
			}
			ps := makeParams[float32](300)
			before := cloneParams(ps)
			o, err := New(c.spec, ps)
			if err != nil {
				t.Fatal(err)
			}
			for range 3 {
				for _, p := range ps {
					clear(p.G32)
					if c.sparse {
						rows, cols := p.shape2()
						p.Sparse = &SparseGrad{Rows: []int{0, rows - 1}, V32: make([]float32, 2*cols)}
					}
				}
				if _, err := o.StepClosure(func() (float64, error) {
					for _, p := range ps {
						clear(p.G32)
					}
					return 0, nil
				}); err != nil {
					t.Fatal(err)
				}
			}
			sameBits(t, "after zero-gradient steps", ps, before)
		})
	}
}

// TestMultiStepsReusesBuffers: after the first cycle, accumulating and
// stepping allocate nothing, and a parameter without a gradient in a cycle
// is still left alone though its buffer from an earlier cycle remains.
func TestMultiStepsReusesBuffers(t *testing.T) {
	ps := makeParams[float32](10_000)
	inner, _ := NewSGD(ps, SGDConfig{LR: 0.1, Momentum: 0.9})
	ms, _ := NewMultiSteps(inner, 2)
	computeGrads(ps, false, 0)
	for range 4 {
		if err := ms.Step(); err != nil {
			t.Fatal(err)
		}
	}
	if a := testing.AllocsPerRun(10, func() { ms.Step() }); a > 0 {
		t.Fatalf("%v allocations per micro-step", a)
	}
	for ms.Pending() != 0 { // finish the cycle AllocsPerRun left open
		ms.Step()
	}
	frozen := slices.Clone(ps[1].F32)
	g := ps[1].G32
	ps[1].G32 = nil
	for range 2 {
		if err := ms.Step(); err != nil {
			t.Fatal(err)
		}
	}
	if !ms.DidStep() || !slices.Equal(frozen, ps[1].F32) {
		t.Fatalf("stepped %v; parameter without gradient moved: %v", ms.DidStep(), !slices.Equal(frozen, ps[1].F32))
	}
	ps[1].G32 = g
}
